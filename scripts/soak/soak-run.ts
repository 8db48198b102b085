/**
 * The soak: many SDK clients churn join / leave / relay / drop / resume / expire / quit against an
 * in-process server at a steady rate, then everything is closed and the server must be back where
 * it started: every map empty, heap after GC within 10 % of the start, no timer or socket left.
 * `npm run soak` runs it big (scripts/soak.ts); test/reliability/soak.test.ts runs it small.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { ExponentialBackoffPolicy } from '../../client/reconnect-policy.js';
import { SignalingClient } from '../../client/signaling-client.js';
import type { WebSocketConstructor } from '../../client/websocket-like.js';
import { createServer, type SignalroomServer } from '../../src/server.js';

/** What to run. */
export interface SoakOptions {
  clients: number;
  durationMs: number;
  /** Rooms the clients spread over (default clients / 10). */
  rooms?: number;
  /** Actions per client per second (default 0.5: a relay, join, leave, drop… every 2 s on average). */
  rate?: number;
  /** The server's resume grace period (default 2 s, so expiries happen during the run too). */
  graceMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** What happened, and what was left behind. */
export interface SoakReport {
  counts: Record<string, number>;
  /** Errors the clients saw, by code. */
  errors: Record<string, number>;
  /** Server maps that were not empty at the end (name → size). */
  leftovers: Record<string, number>;
  heapStartBytes: number;
  heapEndBytes: number;
  /** (end − start) / start. */
  heapGrowth: number;
  /** Active handles (timers, sockets…) at the end beyond those at the start, by type. */
  extraHandles: Record<string, number>;
  /** Messages that arrived twice or out of order (per sender → receiver). */
  orderViolations: number;
}

/** A client slot: one SDK client at a time, replaced when it quits or expires. */
interface Slot {
  index: number;
  generation: number;
  client: SignalingClient;
  socket: WebSocket | null;
  room: string | null;
  busy: boolean;
}

const gc = exposeGc();

/** Run the soak and report; throws only when the run itself cannot proceed. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const rooms = options.rooms ?? Math.max(1, Math.round(options.clients / 10));
  const rate = options.rate ?? 0.5;
  const counts: Record<string, number> = {
    actions: 0,
    sent: 0,
    received: 0,
    joins: 0,
    leaves: 0,
    drops: 0,
    resumes: 0,
    rejoins: 0,
    expiries: 0,
    quits: 0,
  };
  const errors: Record<string, number> = {};
  const lastSeen = new Map<string, number>();
  let orderViolations = 0;
  let nextMessage = 0;

  const server = await startSoakServer(options);
  const url = `ws://127.0.0.1:${server.port}/ws`;

  // Warm up (JIT, validators, pools), then take the baseline with no client connected.
  await warmUp(url);
  await settle(server.server);
  const heapStart = heapAfterGc();
  const handlesStart = activeHandles();

  const slots: Slot[] = [];
  const newClient = async (slot: Slot): Promise<void> => {
    slot.generation++;
    const generation = slot.generation;
    const client = new SignalingClient({
      url,
      WebSocket: socketClassFor(slot),
      reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 50, maxDelayMs: 1000 }),
      keepaliveIntervalMs: 0,
      requestTimeoutMs: 20_000,
    });
    slot.client = client;
    slot.room = null;
    client.on('error', (e) => (errors[e.code] = (errors[e.code] ?? 0) + 1));
    client.on('reconnected', ({ outcome }) => {
      if (outcome === 'resumed') counts.resumes!++;
      else counts.rejoins!++;
    });
    client.on('room-left', ({ rejoining }) => {
      if (!rejoining && slot.generation === generation) slot.room = null;
    });
    client.on('signal', (m) => {
      if (m.type !== 'ICE_CANDIDATE') return;
      counts.received!++;
      const n = Number(/^candidate:(\d+)/.exec(m.iceCandidate.candidate)?.[1]);
      const key = `${m.fromPeerId}>${m.toPeerId}`;
      if ((lastSeen.get(key) ?? -1) >= n) orderViolations++;
      lastSeen.set(key, n);
    });
    await client.connect();
    await client.identify(`soak${slot.index}-${generation}`);
  };
  log(`soak: connecting ${options.clients} clients…`);
  for (let i = 0; i < options.clients; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, options.clients - i) }, async (_, k) => {
        const slot = {
          index: i + k,
          generation: 0,
          socket: null,
          room: null,
          busy: false,
        } as unknown as Slot;
        slots.push(slot);
        await newClient(slot);
      }),
    );
  }

  const act = async (slot: Slot): Promise<void> => {
    const client = slot.client;
    if (client.state !== 'connected') return;
    const roll = Math.random();
    if (slot.room === null || roll < 0.05) {
      const room = `room-${Math.floor(Math.random() * rooms)}`;
      await client.join(room);
      slot.room = room;
      counts.joins!++;
    } else if (roll < 0.75) {
      const targets = slots.filter(
        (s) => s !== slot && s.room === slot.room && s.client.state === 'connected' && s.client.peerId,
      );
      const target = targets[Math.floor(Math.random() * targets.length)];
      if (!target) return;
      client.sendCandidate(target.client.peerId as string, {
        candidate: `candidate:${nextMessage++} 1 udp 1 127.0.0.1 9 typ host`,
      });
      counts.sent!++;
    } else if (roll < 0.83) {
      await client.leave();
      slot.room = null;
      counts.leaves!++;
    } else if (roll < 0.95) {
      // A network drop: no close frame; the SDK resumes within the grace period.
      slot.socket?.terminate();
      counts.drops!++;
    } else if (roll < 0.98) {
      // Gone for good without a word: the server holds it, then the grace period ends.
      client.close();
      slot.socket?.terminate();
      counts.expiries!++;
      await newClient(slot);
    } else {
      client.close();
      counts.quits!++;
      await newClient(slot);
    }
  };

  log(`soak: churning for ${Math.round(options.durationMs / 1000)} s…`);
  const tickMs = 100;
  const perTick = options.clients * rate * (tickMs / 1000);
  let carry = 0;
  const started = Date.now();
  let lastReport = started;
  while (Date.now() - started < options.durationMs) {
    carry += perTick;
    for (; carry >= 1; carry--) {
      const slot = slots[Math.floor(Math.random() * slots.length)] as Slot;
      if (slot.busy) continue;
      slot.busy = true;
      counts.actions!++;
      void act(slot)
        .catch((err: { code?: string }) => {
          const code = err.code ?? 'THROWN';
          errors[code] = (errors[code] ?? 0) + 1;
        })
        .finally(() => (slot.busy = false));
    }
    await new Promise((resolve) => setTimeout(resolve, tickMs));
    if (Date.now() - lastReport >= 30_000) {
      lastReport = Date.now();
      log(`soak: ${Math.round((lastReport - started) / 1000)} s ${JSON.stringify(counts)}`);
    }
  }

  log('soak: closing every client…');
  while (slots.some((s) => s.busy)) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const slot of slots) slot.client.close();
  // The driver's own bookkeeping must not count as the server's heap.
  slots.length = 0;
  lastSeen.clear();
  await settle(server.server, (options.graceMs ?? 2000) + 15_000);
  const leftovers = Object.fromEntries(
    Object.entries(server.server.core.introspect()).filter(([k, v]) => v !== 0 && isSizeKey(k)),
  );
  const heapEnd = heapAfterGc();
  const handlesEnd = activeHandles();
  const extraHandles: Record<string, number> = {};
  for (const [type, n] of Object.entries(handlesEnd)) {
    const extra = n - (handlesStart[type] ?? 0);
    if (extra > 0) extraHandles[type] = extra;
  }
  await server.server.close();
  return {
    counts,
    errors,
    leftovers,
    heapStartBytes: heapStart,
    heapEndBytes: heapEnd,
    heapGrowth: (heapEnd - heapStart) / heapStart,
    extraHandles,
    orderViolations,
  };
}

// ---- helpers -----------------------------------------------------------------------------------

async function startSoakServer(options: SoakOptions): Promise<{ server: SignalroomServer; port: number }> {
  const n = options.clients * 4 + 100;
  const server = await createServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    resumeGraceMs: options.graceMs ?? 2000,
    // Every client comes from 127.0.0.1: the per-IP limits would otherwise refuse the crowd.
    maxConnections: n,
    maxConnectionsPerIp: n,
    maxConnectionAttemptsPerIp: n,
    connectionAttemptBurst: n,
    maxPeersPerRoom: options.clients,
  });
  const { port } = await server.listen();
  return { server, port };
}

/** A `ws` class that tells its slot which socket is current, so the soak can cut it. */
function socketClassFor(slot: Slot): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url);
      slot.socket = this;
    }
  } as unknown as WebSocketConstructor;
}

/**
 * Run every path once (identify, join, relay, leave, drop and resume) with a few clients, so the
 * baseline heap already holds the warmed-up code and pools the run will use.
 */
async function warmUp(url: string): Promise<void> {
  const sockets: WebSocket[] = [];
  const Tracked = class extends WebSocket {
    constructor(u: string) {
      super(u);
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
  const clients = Array.from(
    { length: 20 },
    () =>
      new SignalingClient({
        url,
        WebSocket: Tracked,
        reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 20, maxDelayMs: 100 }),
      }),
  );
  await Promise.all(
    clients.map(async (c, i) => {
      await c.connect();
      await c.identify(`warmup${i}`);
      await c.join('warmup');
    }),
  );
  const [a, b] = clients as [SignalingClient, SignalingClient];
  for (let n = 0; n < 50; n++)
    a.sendCandidate(b.peerId as string, { candidate: `candidate:${n} 1 udp 1 127.0.0.1 9 typ host` });
  const resumed = new Promise((resolve) => a.once('reconnected', resolve));
  for (const s of sockets)
    if (s.readyState === WebSocket.OPEN) {
      s.terminate();
      break;
    }
  await resumed;
  await b.leave();
  for (const c of clients) c.close();
}

/** Wait until the server holds nothing (every cleanup and grace period done), within `limitMs`. */
async function settle(server: SignalroomServer, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const sizes = server.core.introspect();
    if (Object.entries(sizes).every(([k, v]) => v === 0 || !isSizeKey(k))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Counters in `introspect()` (how many resumes so far…) are not sizes. */
function isSizeKey(key: string): boolean {
  return !['resume.holds', 'resume.resumes', 'resume.expiries', 'resume.overflows'].includes(key);
}

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function activeHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) out[type] = (out[type] ?? 0) + 1;
  return out;
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  // Lets the soak run under plain `node --test` too (no --expose-gc on the command line).
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
