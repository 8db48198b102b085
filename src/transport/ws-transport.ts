/**
 * The WebSocket edge: upgrades on the signaling path, frame limits, heartbeat and backpressure.
 * It hands text frames to the core and knows nothing of the protocol beyond that.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SignalingCore } from '../core/signaling-core.js';
import type { Connection, ConnectionInfo } from '../core/connection.js';
import { NO_OBSERVER, type CoreObserver } from '../core/core-observer.js';
import { frameBytes } from '../core/frame-bytes.js';
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { Heartbeat } from './heartbeat.js';
import { PingBudget } from './ping-budget.js';
import { UpgradeGuard, type UpgradeGuardOptions } from './upgrade-guard.js';
import { batchWrites, isRoomEvent } from './write-batch.js';

/** Options of the WebSocket edge. */
export interface TransportOptions extends UpgradeGuardOptions {
  path: string;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Told of frames sent and slow consumers dropped (metrics). */
  observer?: CoreObserver;
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
  });
  const heartbeat = new Heartbeat(options.heartbeatIntervalMs, options.heartbeatTimeoutMs);
  const guard = new UpgradeGuard(options, logger);
  const sockets = new Set<WebSocket>();
  const observer = options.observer ?? NO_OBSERVER;
  let accepting = true;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = parseUrl(req.url);
    if (url?.pathname !== options.path) {
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
    // Released on the raw socket's close, which also covers a handshake that ws refuses.
    releaseOnClose(socket, guard, verdict.ip);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const token = url.searchParams.get('token');
      const info: ConnectionInfo = { ip: verdict.ip };
      if (req.headers.origin) info.origin = req.headers.origin;
      if (token) info.urlToken = token;
      accept(ws, info);
    });
  };

  const accept = (ws: WebSocket, info: ConnectionInfo) => {
    sockets.add(ws);
    heartbeat.track(ws);
    // Set when the server closes the connection itself, so the core does not hold it for resume
    // even if the close ends as 1006 (a slow consumer's terminate).
    let closedByServer = false;
    const connection: Connection = {
      send(frame) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > options.maxBufferedBytes) {
          closedByServer = true;
          dropSlowConsumer(ws, logger, info.ip, observer);
        } else {
          batchWrites(ws, isRoomEvent(frame));
          // Bytes, encoded once per frame however many receivers it has (ws would encode a string
          // per receiver); the replay log keeps the same Buffer.
          ws.send(frameBytes(frame), TEXT);
          observer.messageOut(frame);
        }
      },
      close(code, reason) {
        closedByServer = true;
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      },
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    };
    const handle = core.connect(connection, info);
    const pings = new PingBudget();
    ws.on('ping', (data: Buffer) => {
      heartbeat.alive(ws);
      if (!pings.take(Date.now())) {
        logger.warn({ ip: info.ip }, 'ping flood: connection closed');
        connection.close(CLOSE_CODES.POLICY.code, 'Too many pings');
        return;
      }
      // A client that does not read its pongs is a slow consumer like any other.
      if (ws.bufferedAmount > options.maxBufferedBytes) {
        closedByServer = true;
        dropSlowConsumer(ws, logger, info.ip, observer);
      } else ws.pong(data);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      heartbeat.alive(ws);
      if (isBinary) handle.onBinary();
      else handle.onText(data.toString('utf8'));
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for an oversized frame, 1002/1007 for bad framing).
      // That close is the server's decision, not a network drop: no resume hold.
      closedByServer = true;
      logger.info({ ip: info.ip, code: err.code }, 'connection error');
    });
    ws.once('close', (code: number) => {
      sockets.delete(ws);
      heartbeat.forget(ws);
      // ws reports 1006 when no close frame arrived: a network drop, or the heartbeat's terminate.
      handle.onClose(code, code === 1006 && !closedByServer);
    });
  };

  server.on('upgrade', onUpgrade);
  return {
    stopAccepting() {
      accepting = false;
      heartbeat.stop();
      server.off('upgrade', onUpgrade);
    },
    openSockets: () => sockets.size,
  };
}

/** Send options of a text frame given as bytes. */
const TEXT = { binary: false } as const;

/** Close (4002) a client whose unsent output passed the limit, so it cannot grow the server's memory. */
function dropSlowConsumer(ws: WebSocket, logger: Logger, ip: string, observer: CoreObserver): void {
  if (ws.readyState !== ws.OPEN) return;
  observer.slowConsumer();
  logger.warn({ ip, buffered: ws.bufferedAmount }, 'slow consumer dropped');
  ws.close(CLOSE_CODES.SLOW_CONSUMER.code, CLOSE_CODES.SLOW_CONSUMER.reason);
  // A consumer that stopped reading will not read the close frame either.
  setTimeout(() => ws.terminate(), 1000).unref();
}

/**
 * The socket listeners that outlive the upgrade are made here, not in the upgrade handler: a closure
 * there would share the handler's context, which holds the request (headers, URL, head), and keep
 * it alive as long as the connection (about 1.5 KB per idle connection).
 */
function releaseOnClose(socket: Duplex, guard: UpgradeGuard, ip: string): void {
  socket.on('close', () => guard.release(ip));
}

function destroySocket(this: Duplex): void {
  this.destroy();
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
