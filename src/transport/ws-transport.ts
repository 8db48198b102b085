/**
 * The WebSocket edge: upgrades on the signaling path, frame limits, heartbeat and backpressure.
 * It hands text frames to the core and knows nothing of the protocol beyond that.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { SignalingCore } from '../core/signaling-core.js';
import type { ConnectionInfo } from '../core/connection.js';
import { NO_OBSERVER, type CoreObserver } from '../core/core-observer.js';
import { TrustedProxies } from './client-address.js';
import { Heartbeat } from './heartbeat.js';
import { parseOriginPattern } from './origin.js';
import type { Refusal } from './admission.js';
import { UpgradeGuard, type UpgradeGuardOptions } from './upgrade-guard.js';
import { ServerWebSocket, WsConnection, type TransportEdge } from './ws-connection.js';

/** Options of the WebSocket edge. */
export interface TransportOptions extends UpgradeGuardOptions {
  path: string;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  /** Close (4002) a connection whose heartbeat ping has waited this long to leave; 0: never. */
  outputStallTimeoutMs: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Told of frames sent and slow consumers dropped (metrics). */
  observer?: CoreObserver;
}

/** Throw an error naming the first option of the edge that is not valid or does not fit the others. */
export function checkTransportOptions(
  options: Pick<
    TransportOptions,
    'allowedOrigins' | 'trustProxy' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs'
  >,
): void {
  options.allowedOrigins.forEach(parseOriginPattern);
  new TrustedProxies(options.trustProxy);
  if (options.heartbeatTimeoutMs > options.heartbeatIntervalMs * 10) {
    throw new Error('--heartbeat-timeout-ms: must not exceed ten heartbeat intervals');
  }
}

/** A transport attached to an HTTP server. */
export interface AttachedTransport {
  /** Stop accepting upgrades and stop the heartbeat (open sockets are closed by the core). */
  stopAccepting(): void;
  /** Sockets open right now. */
  openSockets(): number;
}

/** Serve the signaling WebSocket on `server` at `options.path`. */
export function attachTransport(
  server: HttpServer,
  core: SignalingCore,
  options: TransportOptions,
  logger: Logger,
): AttachedTransport {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayloadBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // Pings are answered below, within a budget, so a ping flood cannot queue unbounded pongs.
    autoPong: false,
    WebSocket: ServerWebSocket,
  });
  const heartbeat = new Heartbeat(options.heartbeatIntervalMs, options.heartbeatTimeoutMs);
  const guard = new UpgradeGuard(options, logger);
  const edge: TransportEdge = {
    maxBufferedBytes: options.maxBufferedBytes,
    outputStallTimeoutMs: options.outputStallTimeoutMs,
    logger,
    observer: options.observer ?? NO_OBSERVER,
    heartbeat,
    guard,
  };
  let accepting = true;

  // Every TCP connection counts, before the HTTP server reads a byte of it: first in line.
  const onConnection = (socket: Socket) => {
    const refusal = guard.admitSocket(socket);
    if (refusal) refuseConnection(socket, refusal, options.tls);
    else socket.on('close', guard.socketClosed);
  };

  const fastPath = parseUrl(options.path)?.pathname === options.path;
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const token = urlToken(req.url, options.path, fastPath);
    if (token === null) {
      // Another upgrade handler (an embedding app's) may own this path.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
      return;
    }
    if (!accepting) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    socket.on('error', destroySocket);
    const verdict = guard.check(req);
    if (!verdict.ok) {
      refuse(socket, verdict.status, verdict.text);
      return;
    }
    // A proxied client's own per-IP slot is released on the raw socket's close while the
    // handshake runs (which covers one ws refuses), then on the WebSocket's close: the connection
    // keeps no closure beyond the handshake. A direct client's slot is its TCP connection's.
    let release: (() => void) | null = null;
    if (verdict.proxied) {
      release = () => guard.releaseClient(verdict.ip);
      socket.on('close', release);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (release) socket.off('close', release);
      const info: ConnectionInfo = { ip: verdict.ip, ipKey: guard.limitKey(verdict.ip) };
      if (req.headers.origin) info.origin = req.headers.origin;
      if (token) info.urlToken = token;
      accept(ws as ServerWebSocket, info, verdict.proxied);
    });
  };

  const accept = (ws: ServerWebSocket, info: ConnectionInfo, proxied: boolean) => {
    const connection = new WsConnection(ws, info, edge, proxied);
    connection.listen(core.connect(connection, info));
  };

  server.prependListener('connection', onConnection);
  server.on('upgrade', onUpgrade);
  return {
    stopAccepting() {
      accepting = false;
      heartbeat.stop();
      server.off('connection', onConnection);
      server.off('upgrade', onUpgrade);
    },
    openSockets: () => heartbeat.size,
  };
}

/**
 * Listeners made in the upgrade handler share its closure context, which holds the request
 * (headers, URL, head): one left on the socket keeps the request alive as long as the connection
 * (about 1.5 KB per idle connection). So the one that stays is a shared function.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * The `token` query parameter of an upgrade request for `path` ('' when none), or `null` when the
 * request is for another path. A request for exactly `path` (what clients send) is read without
 * building a URL (a fifth of the upgrade's own work); anything else is parsed as a URL, whose
 * normalised path must be `path`. `fastPath`: `path` is its own normalised form.
 */
export function urlToken(raw: string | undefined, path: string, fastPath: boolean): string | null {
  if (fastPath && raw !== undefined && raw.startsWith(path) && !raw.includes('#')) {
    if (raw.length === path.length) return '';
    if (raw.charCodeAt(path.length) === QUESTION_MARK) {
      return new URLSearchParams(raw.slice(path.length + 1)).get('token') ?? '';
    }
  }
  const url = parseUrl(raw);
  if (url?.pathname !== path) return null;
  return url.searchParams.get('token') ?? '';
}

const QUESTION_MARK = 0x3f;

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

/**
 * Refuse a TCP connection at its accept: plain HTTP gets the status, a TLS connection (which could
 * not read it before its handshake) is closed. Destroyed once written, so a client that never reads
 * or closes cannot keep it.
 */
function refuseConnection(socket: Socket, refusal: Refusal, tls: boolean): void {
  socket.on('error', destroySocket);
  if (tls) {
    socket.destroy();
    return;
  }
  socket.once('finish', destroySocket);
  refuse(socket, refusal.status, refusal.text);
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
