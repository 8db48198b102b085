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
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { Heartbeat } from './heartbeat.js';
import { originAllowed, type OriginPolicy } from './origin.js';

/** Options of the WebSocket edge. */
export interface TransportOptions {
  path: string;
  maxPayloadBytes: number;
  maxBufferedBytes: number;
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /** Origins accepted besides the server's own (see {@link OriginPolicy}). */
  allowedOrigins: readonly string[];
  /** Refuse upgrades without an Origin header. */
  requireOrigin: boolean;
  /** The server serves TLS itself, so its own origin is https. */
  tls: boolean;
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
  });
  const heartbeat = new Heartbeat(options.heartbeatIntervalMs, options.heartbeatTimeoutMs);
  const sockets = new Set<WebSocket>();
  let accepting = true;
  const originPolicy: OriginPolicy = {
    allowedOrigins: options.allowedOrigins,
    requireOrigin: options.requireOrigin,
    scheme: options.tls ? 'https' : 'http',
  };
  if (options.allowedOrigins.includes('*')) {
    logger.warn(
      '--allowed-origins contains *: any web page may open signaling connections in its visitors’ browsers',
    );
  }

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
    socket.on('error', () => socket.destroy());
    if (!originAllowed(req.headers.origin, req.headers.host, originPolicy)) {
      // Cross-site WebSocket hijacking: refused before the upgrade, so the page learns nothing.
      logger.info({ ip: req.socket.remoteAddress, origin: clipHeader(req.headers.origin) }, 'origin refused');
      refuse(socket, 403, 'Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const token = url.searchParams.get('token');
      const info: ConnectionInfo = { ip: req.socket.remoteAddress ?? 'unknown' };
      if (req.headers.origin) info.origin = req.headers.origin;
      if (token) info.urlToken = token;
      accept(ws, info);
    });
  };

  const accept = (ws: WebSocket, info: ConnectionInfo) => {
    sockets.add(ws);
    heartbeat.track(ws);
    const connection: Connection = {
      send(frame) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > options.maxBufferedBytes) {
          logger.warn({ ip: info.ip, buffered: ws.bufferedAmount }, 'slow consumer dropped');
          ws.close(CLOSE_CODES.SLOW_CONSUMER.code, CLOSE_CODES.SLOW_CONSUMER.reason);
          // A consumer that stopped reading will not read the close frame either.
          setTimeout(() => ws.terminate(), 1000).unref();
          return;
        }
        ws.send(frame);
      },
      close(code, reason) {
        if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
      },
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
    };
    const handle = core.connect(connection, info);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      heartbeat.alive(ws);
      if (isBinary) handle.onBinary();
      else handle.onText(data.toString('utf8'));
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the socket itself (1009 for an oversized frame, 1002/1007 for bad framing).
      logger.info({ ip: info.ip, code: err.code }, 'connection error');
    });
    ws.once('close', (code: number) => {
      sockets.delete(ws);
      heartbeat.forget(ws);
      handle.onClose(code);
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

function clipHeader(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
