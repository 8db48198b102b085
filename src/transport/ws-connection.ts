/**
 * One WebSocket connection: the core's {@link Connection}, and the handlers of its socket's events.
 *
 * Kept small because every idle connection pays for it (the capacity benchmark counts bytes per
 * connection): one object with methods on its prototype, and listener functions shared by every
 * socket that find their connection through the socket, instead of a closure per listener and
 * connection (each closure with its context cost about 100 B, an object literal with a getter a
 * dictionary of 256 B).
 */
import type { Logger } from 'pino';
import { WebSocket } from 'ws';
import type { Connection, ConnectionInfo, SessionHandle } from '../core/connection.js';
import type { CoreObserver } from '../core/core-observer.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { isRoomEvent, type OutFrame } from '../../protocol/frame.js';
import type { Heartbeat, Watched } from './heartbeat.js';
import { PingBudget } from './ping-budget.js';
import type { UpgradeGuard } from './upgrade-guard.js';
import { batchWrites, writeFramed } from './write-batch.js';

/** What every connection of one transport shares: one object, not a copy per connection. */
export interface TransportEdge {
  readonly maxBufferedBytes: number;
  /** See {@link WsConnection.ping}; 0 turns the check off. */
  readonly outputStallTimeoutMs: number;
  readonly logger: Logger;
  readonly observer: CoreObserver;
  readonly heartbeat: Heartbeat;
  /** Told when a proxied client's connection closes (its per-IP count). */
  readonly guard: Pick<UpgradeGuard, 'releaseClient'>;
}

/** ws's WebSocket with a slot for its connection, which the shared listeners below read. */
export class ServerWebSocket extends WebSocket {
  connection: WsConnection | null = null;
}

/** The transport's state of one open WebSocket. */
export class WsConnection implements Connection, Watched {
  /** Set once the core has registered the connection (right after construction). */
  handle: SessionHandle | null = null;
  /**
   * Set when the server closes the connection itself, so the core does not hold it for resume
   * even if the close ends as 1006 (a slow consumer's terminate).
   */
  closedByServer = false;
  /** {@link Watched.pingedIn}: the heartbeat round of an unanswered ping, 0 once answered. */
  pingedIn = 0;
  /** When the oldest heartbeat ping still waiting in the output queue was sent (ms), or 0. */
  private pingQueuedAt = 0;
  /** Made at the client's first ping or pong: browsers never ping and pong once a heartbeat. */
  private controlFrames: PingBudget | null = null;

  constructor(
    private readonly ws: ServerWebSocket,
    readonly info: ConnectionInfo,
    private readonly edge: TransportEdge,
    /** It came through a trusted proxy and holds a per-IP slot of its own (see UpgradeGuard). */
    private readonly proxied: boolean,
  ) {}

  /** Register the socket's listeners and start watching it. */
  listen(handle: SessionHandle): void {
    this.handle = handle;
    this.ws.connection = this;
    this.ws.on('ping', onPing);
    this.ws.on('pong', onPong);
    this.ws.on('message', onMessage);
    this.ws.on('error', onError);
    this.ws.on('close', onClose);
    this.edge.heartbeat.track(this);
  }

  send(frame: OutFrame): void {
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.edge.maxBufferedBytes) {
      this.dropSlowConsumer();
    } else {
      // Room events may wait for the ready I/O: a join storm's announcements share writes.
      const roomEvent = isRoomEvent(frame);
      batchWrites(ws, roomEvent);
      // Bytes, encoded once per frame however many receivers it has (ws would encode a string
      // per receiver); the replay log copies the same bytes for a signal. A room event goes to a
      // whole room: framed once, its wire bytes are written to every member.
      if (roomEvent) writeFramed(ws, frame.bytes);
      else ws.send(frame.bytes, TEXT);
      this.edge.observer.messageOut(frame);
    }
  }

  close(code: number, reason: string): void {
    this.closedByServer = true;
    const ws = this.ws;
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
    // A policy close answers abuse: waiting for the client's close frame (ws waits 30 s) would let
    // it keep the server reading and parsing whatever it sends. Stop reading, cut it off shortly.
    if (code === CLOSE_CODES.POLICY.code) this.cutOff();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * {@link Watched.ping}. The payload is the count of frames sent so far: the pong echoes it, and
   * as it was written after those frames, it proves the client read them (see {@link ponged}).
   */
  ping(): void {
    const now = Date.now();
    const stall = this.edge.outputStallTimeoutMs;
    // The ping leaves after everything queued before it: one still queued since `stall` ago means
    // the client has not read its output for that long. Answering pings (a pong needs no reading)
    // must not keep such a parked reader, and the output it holds, for ever.
    if (stall > 0 && this.pingQueuedAt !== 0 && now - this.pingQueuedAt >= stall) {
      this.dropSlowConsumer();
      return;
    }
    if (this.pingQueuedAt === 0) this.pingQueuedAt = now;
    this.ws.ping(String(this.handle?.framesSent() ?? 0), undefined, () => {
      this.pingQueuedAt = 0;
    });
  }

  /**
   * A pong arrived: the client is alive, and has read the frames counted in the ping it echoes.
   * Unsolicited pongs share the pings' budget: each one costs the server a parse and a look at the
   * replay log, so a flood of them is closed like a ping flood.
   */
  ponged(data: Buffer): void {
    if (this.closedByServer) return;
    if (!this.withinControlBudget('Too many pongs')) return;
    this.pingedIn = 0;
    const count = probeCount(data);
    if (count > 0) this.handle?.framesRead(count);
  }

  /** {@link Watched.terminate}. */
  terminate(): void {
    this.ws.terminate();
  }

  /** The client pinged: answer within its budget, so a ping flood cannot queue unbounded pongs. */
  pinged(data: Buffer): void {
    if (this.closedByServer) return;
    if (!this.withinControlBudget('Too many pings')) return;
    this.pingedIn = 0;
    // A client that does not read its pongs is a slow consumer like any other.
    if (this.ws.bufferedAmount > this.edge.maxBufferedBytes) this.dropSlowConsumer();
    else this.ws.pong(data);
  }

  /** A frame arrived; any frame proves the client alive. */
  received(data: Buffer, isBinary: boolean): void {
    // Once the server has decided to close, what the client still sends is not processed.
    if (this.closedByServer) return;
    this.pingedIn = 0;
    const handle = this.handle as SessionHandle;
    if (isBinary) handle.onBinary();
    else handle.onText(data.toString('utf8'));
  }

  /** ws closes the socket itself (1009 for an oversized frame, 1002/1007 for bad framing). */
  failed(err: Error & { code?: string }): void {
    // That close is the server's decision, not a network drop: no resume hold.
    this.closedByServer = true;
    this.edge.logger.info({ ip: this.info.ip, code: err.code }, 'connection error');
  }

  /** The socket is closed. */
  closed(code: number): void {
    this.edge.heartbeat.forget(this);
    if (this.proxied) this.edge.guard.releaseClient(this.info.ip);
    // ws reports 1006 when no close frame arrived: a network drop, or the heartbeat's terminate.
    this.handle?.onClose(code, code === 1006 && !this.closedByServer);
  }

  /** Close (4002) a client whose unsent output passed the limit, so it cannot grow the server's memory. */
  private dropSlowConsumer(): void {
    this.closedByServer = true;
    const ws = this.ws;
    if (ws.readyState !== ws.OPEN) return;
    this.edge.observer.slowConsumer();
    this.edge.logger.warn({ ip: this.info.ip, buffered: ws.bufferedAmount }, 'slow consumer dropped');
    ws.close(CLOSE_CODES.SLOW_CONSUMER.code, CLOSE_CODES.SLOW_CONSUMER.reason);
    // A consumer that stopped reading will not read the close frame either.
    this.cutOff();
  }

  /** Count a ping or pong against the client's budget; over it, close with 1008 (`reason`). */
  private withinControlBudget(reason: string): boolean {
    this.controlFrames ??= new PingBudget();
    if (this.controlFrames.take(Date.now())) return true;
    this.edge.logger.warn({ ip: this.info.ip, reason }, 'control frame flood: connection closed');
    this.close(CLOSE_CODES.POLICY.code, reason);
    return false;
  }

  /**
   * Stop reading the socket and destroy it a second later: time for the close frame already
   * queued to leave, none for the client to make the server parse more.
   */
  private cutOff(): void {
    const ws = this.ws;
    ws.pause();
    setTimeout(() => ws.terminate(), CUT_OFF_MS).unref();
  }
}

/** How long a connection closed for abuse keeps its socket for the close frame to leave. */
const CUT_OFF_MS = 1000;

/** Send options of a text frame given as bytes. */
const TEXT = { binary: false } as const;

// The listeners, shared by every socket: `this` is the socket that emitted the event.

function connectionOf(ws: WebSocket): WsConnection | null {
  return (ws as ServerWebSocket).connection;
}

function onPing(this: WebSocket, data: Buffer): void {
  connectionOf(this)?.pinged(data);
}

function onPong(this: WebSocket, data: Buffer): void {
  connectionOf(this)?.ponged(data);
}

/**
 * The frame count a pong echoes, or 0 when its payload is not one of ours: a decimal count. An
 * unsolicited pong with a made-up count can only cost its own sender its replay log.
 */
function probeCount(data: Buffer): number {
  if (data.length === 0 || data.length > 15) return 0;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const digit = (data[i] as number) - 48;
    if (digit < 0 || digit > 9) return 0;
    count = count * 10 + digit;
  }
  return count;
}

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  connectionOf(this)?.received(data, isBinary);
}

function onError(this: WebSocket, err: Error & { code?: string }): void {
  connectionOf(this)?.failed(err);
}

function onClose(this: WebSocket, code: number): void {
  const connection = connectionOf(this);
  (this as ServerWebSocket).connection = null;
  connection?.closed(code);
}
