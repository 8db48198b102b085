/**
 * The soak: many SDK clients churn join / leave / relay / drop / resume / expire / quit against an
 * in-process server at a steady rate, in two rounds; after each every client closes and the server
 * must be back where it started (every map empty). The first round warms up code, pools and caches
 * at full size; what the second leaves behind is what the work retains: live instances of the
 * project's classes and bytes of live objects, compared on heap snapshots taken after each round.
 * `npm run soak` runs it big (scripts/soak.ts); test/reliability/soak.test.ts runs it small.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapSnapshot, setFlagsFromString } from 'node:v8';
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
  /** Both rounds together. */
  counts: Record<string, number>;
  /** The second round alone: the work whose leftovers {@link retainedBytes} measures. */
  secondRound: Record<string, number>;
  /** Errors the clients saw, by code. */
  errors: Record<string, number>;
  /** Server maps that were not empty at the end (name → size). */
  leftovers: Record<string, number>;
  /** Heap after GC: after the warm-up with a few clients (cold: the pools and code of a crowd not yet made). */
  heapStartBytes: number;
  /** Heap after GC after the first round, every client closed and the server back to empty. */
  heapMiddleBytes: number;
  /** Heap after GC after the second round, the same. */
  heapEndBytes: number;
  /** (end − start) / start: includes the warm-up of the first round, so it says little about leaks. */
  heapGrowth: number;
  /** end − middle: what the second round left on the heap. */
  retainedBytes: number;
  /** Constructors with more live objects at the end than in the middle (count and own bytes), most bytes first. */
  retainedObjects: Record<string, ObjectTally>;
  /**
   * Classes of signalroom (protocol/, src/, client/) and of ws and net with more live instances at
   * the end than in the middle: with every client closed and the server empty, any is a leak.
   */
  retainedInstances: Record<string, number>;
  /** Active handles (timers, sockets…) at the end beyond those at the start, by type. */
  extraHandles: Record<string, number>;
  /** Messages that arrived twice or out of order (per sender → receiver). */
  orderViolations: number;
}

/**
 * What the second round may leave on the heap: own bytes of live objects, code excluded, whatever
 * the round's length. Measured here between two points with nothing leaking: −50 KiB to +15 KiB
 * (a 64 KiB slab of Node's buffer pool freed or not, ~12 KiB of V8's weak lists of optimised code).
 * A frame kept per message left 1.1 MiB in the 30 s test, a session kept per drop 1.2 MiB.
 */
export const RETAINED_BYTES_LIMIT = 256 * 1024;

/** Why the soak failed (nothing: it passed). The test and `npm run soak` judge alike. */
export function soakFailures(report: SoakReport): string[] {
  const failures: string[] = [];
  if (Object.keys(report.leftovers).length > 0)
    failures.push(`server maps not empty: ${JSON.stringify(report.leftovers)}`);
  if (Object.keys(report.extraHandles).length > 0)
    failures.push(`timers or sockets left: ${JSON.stringify(report.extraHandles)}`);
  if (report.orderViolations > 0) failures.push(`${report.orderViolations} messages duplicated or reordered`);
  if (Object.keys(report.retainedInstances).length > 0)
    failures.push(`round 2 left live instances behind: ${JSON.stringify(report.retainedInstances)}`);
  if (report.retainedBytes > RETAINED_BYTES_LIMIT)
    failures.push(
      `round 2 left ${report.retainedBytes} bytes on the heap (limit ${RETAINED_BYTES_LIMIT}); grown most: ${JSON.stringify(Object.fromEntries(Object.entries(report.retainedObjects).slice(0, 10)))}`,
    );
  return failures;
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

  // V8 drops the bytecode of functions not run for a few collections (and the forced ones here
  // count): up to ~1 MiB of bytecode and its metadata came and went between two points, more than
  // any leak worth finding. The measure leaves code out, and with this its metadata stays put too.
  setFlagsFromString('--no-flush-bytecode');
  const server = await startSoakServer(options);
  const url = `ws://127.0.0.1:${server.port}/ws`;

  // Warm up (JIT, validators, pools), then take the baseline with no client connected.
  await warmUp(url);
  await settle(server.server);
  // Each point's tally stays alive until the next one is taken, so that every snapshot but the
  // first sees one tally of the measurement itself: the difference between two is the soak's.
  let previous: HeapPoint | null = await heapPoint();
  const heapStart = previous.used;
  const handlesStart = activeHandles();

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

  const act = async (slots: Slot[], slot: Slot): Promise<void> => {
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

  /** One round: connect every client, churn for `durationMs`, close them all, wait until the server holds nothing. */
  const round = async (name: string, durationMs: number): Promise<void> => {
    const slots: Slot[] = [];
    log(`soak: ${name}: connecting ${options.clients} clients…`);
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
    log(`soak: ${name}: churning for ${Math.round(durationMs / 1000)} s…`);
    const tickMs = 100;
    const perTick = options.clients * rate * (tickMs / 1000);
    let carry = 0;
    const started = Date.now();
    let lastReport = started;
    while (Date.now() - started < durationMs) {
      carry += perTick;
      for (; carry >= 1; carry--) {
        const slot = slots[Math.floor(Math.random() * slots.length)] as Slot;
        if (slot.busy) continue;
        slot.busy = true;
        counts.actions!++;
        void act(slots, slot)
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
    log(`soak: ${name}: closing every client…`);
    while (slots.some((s) => s.busy)) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const slot of slots) slot.client.close();
    // The driver's own bookkeeping must not count as the server's heap.
    slots.length = 0;
    lastSeen.clear();
    await settle(server.server, (options.graceMs ?? 2000) + 15_000);
    // A socket the server accepted but that never became a session (a client closed while its
    // handshake was under way) is in none of the core's maps: give its close a moment too.
    for (let waited = 0; Object.keys(handlesBeyond(handlesStart)).length > 0 && waited < 5000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
  };

  // The first round warms everything up at full size (JIT, pools, caches sized by the crowd); the
  // second one does the same work again, so what it leaves behind is what the work retains.
  const firstMs = Math.round(options.durationMs / 2);
  await round('round 1', firstMs);
  const middle = await heapPoint();
  previous = null;
  const before = { ...counts };
  await round('round 2', options.durationMs - firstMs);
  const end = await heapPoint();
  const second = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - (before[k] ?? 0)]));

  const leftovers = Object.fromEntries(
    Object.entries(server.server.core.introspect()).filter(([k, v]) => v !== 0 && isSizeKey(k)),
  );
  const extraHandles = handlesBeyond(handlesStart);
  await server.server.close();
  return {
    counts,
    secondRound: second,
    errors,
    leftovers,
    heapStartBytes: heapStart,
    heapMiddleBytes: middle.used,
    heapEndBytes: end.used,
    heapGrowth: (end.used - heapStart) / heapStart,
    retainedBytes: end.objectBytes - middle.objectBytes,
    retainedObjects: objectGrowth(middle.objects, end.objects),
    retainedInstances: instanceGrowth(middle.objects, end.objects),
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

/** Live objects of one constructor: how many, and their own bytes (not what they retain). */
export interface ObjectTally {
  count: number;
  bytes: number;
}

/** The heap after GC: what V8 reports used, and the live objects a heap snapshot sees. */
interface HeapPoint {
  /** `heapUsed` after GC: code, bytecode and feedback included. */
  used: number;
  /** The own size of every live object but code (bytecode, feedback, compiled code). */
  objectBytes: number;
  /** Live objects by constructor name. */
  objects: Map<string, ObjectTally>;
}

async function heapPoint(): Promise<HeapPoint> {
  const snapshot = await liveObjects();
  return { used: heapAfterGc(), ...snapshot };
}

/** Live objects by constructor name, and the bytes of all but code, from a heap snapshot (which collects garbage first). */
async function liveObjects(): Promise<{ objectBytes: number; objects: Map<string, ObjectTally> }> {
  const chunks: string[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk));
  const text = chunks.join('');
  // SOAK_SNAPSHOTS=dir keeps the snapshots (start, after round 1, after round 2) for DevTools.
  const keep = process.env.SOAK_SNAPSHOTS;
  if (keep) writeFileSync(join(keep, `soak-${Date.now()}.heapsnapshot`), text);
  const snapshot = JSON.parse(text) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const objectType = types.indexOf('object');
  const codeType = types.indexOf('code');
  const objects = new Map<string, ObjectTally>();
  let objectBytes = 0;
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += width) {
    const type = nodes[i + typeAt];
    const size = nodes[i + sizeAt] as number;
    if (type !== codeType) objectBytes += size;
    if (type !== objectType) continue;
    const name = strings[nodes[i + nameAt] as number] as string;
    const entry = objects.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    objects.set(name, entry);
  }
  return { objectBytes, objects };
}

/** Every class declared in protocol/, src/ and client/, and the socket classes of ws and net. */
function trackedClasses(): Set<string> {
  const names = new Set(['WebSocket', 'WebSocketServer', 'Receiver', 'Sender', 'Socket']);
  for (const dir of ['protocol', 'src', 'client']) {
    const root = new URL(`../../${dir}/`, import.meta.url);
    for (const file of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      for (const [, name] of readFileSync(new URL(file, root), 'utf8').matchAll(
        /\bclass\s+([A-Za-z_$][\w$]*)/g,
      ))
        names.add(name as string);
    }
  }
  return names;
}

/** Instances of {@link trackedClasses} more in `after` than in `before`. */
function instanceGrowth(
  before: Map<string, ObjectTally>,
  after: Map<string, ObjectTally>,
): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const name of trackedClasses()) {
    const extra = (after.get(name)?.count ?? 0) - (before.get(name)?.count ?? 0);
    if (extra > 0) grown[name] = extra;
  }
  return grown;
}

/** Constructors with more live objects in `after` than in `before`, most bytes first. */
function objectGrowth(
  before: Map<string, ObjectTally>,
  after: Map<string, ObjectTally>,
): Record<string, ObjectTally> {
  const grown: [string, ObjectTally][] = [];
  for (const [name, { count, bytes }] of after) {
    const was = before.get(name) ?? { count: 0, bytes: 0 };
    if (count > was.count) grown.push([name, { count: count - was.count, bytes: bytes - was.bytes }]);
  }
  grown.sort((a, b) => b[1].bytes - a[1].bytes);
  return Object.fromEntries(grown);
}

function activeHandles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) out[type] = (out[type] ?? 0) + 1;
  return out;
}

/** Active handles beyond `baseline`, by type. */
function handlesBeyond(baseline: Record<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [type, n] of Object.entries(activeHandles())) {
    if (n > (baseline[type] ?? 0)) extra[type] = n - (baseline[type] ?? 0);
  }
  return extra;
}

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  // Lets the soak run under plain `node --test` too (no --expose-gc on the command line).
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
