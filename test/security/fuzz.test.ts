/**
 * Hostile-input fuzz: over 100,000 generated hostile frames over many connections, while two
 * legitimate peers in another room keep relaying. Afterwards the server process is alive, every
 * legitimate message arrived in order, nothing reached the legitimate peers from outside their room,
 * no unhandled rejection or exception happened, no prototype was polluted, and the heap after GC is
 * back within a few MiB of where it was. The server runs in a child process so its heap is its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import WebSocket from 'ws';
import { peersInRoom, type Received, type TestClient } from '../helpers/test-client.js';
import { startServerChild } from './helpers/child-server.js';
import { eventually } from './helpers/eventually.js';
import { hostileFrames, type HostileFrame } from './helpers/hostile.js';

const TOTAL = 100_000;
const WORKERS = 12;
const BATCH = 200;
const BATCHES_PER_CONNECTION = 4;
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const MiB = 1024 * 1024;

/** Counts printed at the end. */
const counts = {
  sent: 0,
  /** Frames the server certainly processed: batches it answered up to our PING, and frames before a designed close. */
  processed: 0,
  connections: 0,
  identified: 0,
  byKind: new Map<string, number>(),
  answers: new Map<string, number>(),
  closeCodes: new Map<number, number>(),
  nonJsonAnswers: 0,
  relayedFromLegit: 0,
};
const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** Hands out hostile frames batch by batch, each batch from its own seed so a failure can be replayed. */
class FrameSource {
  private batchNo = 0;
  constructor(private readonly arbitrary: fc.Arbitrary<HostileFrame>) {}
  next(size: number): HostileFrame[] {
    return fc.sample(this.arbitrary, { numRuns: size, seed: SEED + this.batchNo++ });
  }
}

/** One hostile connection: maybe identify and join a room, then send batches until the server closes it or the quota is met. */
async function hostileConnection(
  wsUrl: string,
  source: FrameSource,
  quota: () => boolean,
  legitIds: readonly string[],
): Promise<void> {
  const ws = new WebSocket(wsUrl);
  counts.connections++;
  let pongWaiter: ((id: string) => void) | null = null;
  const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
  ws.on('error', () => undefined);
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    let msg: { type?: string; id?: unknown; fromPeerId?: unknown };
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(data.toString('utf8')) as typeof msg;
    } catch {
      counts.nonJsonAnswers++;
      return;
    }
    bump(counts.answers, String(msg.type));
    if (typeof msg.fromPeerId === 'string' && legitIds.includes(msg.fromPeerId)) counts.relayedFromLegit++;
    if (msg.type === 'PONG' && typeof msg.id === 'string') pongWaiter?.(msg.id);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  // Most connections identify first, so hostile frames reach the identified paths and a refused
  // IDENTIFY (which closes the connection, as it should) does not end most batches.
  if (Math.random() < 0.75) {
    counts.identified++;
    ws.send(JSON.stringify({ type: 'IDENTIFY', username: `h-${randomUUID()}` }));
    ws.send(JSON.stringify({ type: 'JOIN_ROOM', roomId: `fuzz-${Math.floor(Math.random() * 5)}` }));
  }
  for (let b = 0; b < BATCHES_PER_CONNECTION && quota(); b++) {
    let ending = false;
    let inBatch = 0;
    for (const frame of source.next(BATCH)) {
      if (ws.readyState !== WebSocket.OPEN) break;
      ws.send(frame.data, { binary: frame.binary });
      counts.sent++;
      inBatch++;
      bump(counts.byKind, frame.kind);
      if (frame.closes) {
        ending = true;
        break;
      }
    }
    if (ending) {
      // ws handles frames in order: all before the closing one reached the core.
      const code = await closed;
      if (code === 1009 || code === 1007) counts.processed += inBatch;
      break;
    }
    if (ws.readyState !== WebSocket.OPEN) break;
    // Wait until the server has answered the whole batch (or closed on us) before the next.
    const id = randomUUID();
    const answered = new Promise<void>((resolve) => {
      pongWaiter = (got) => {
        if (got === id) resolve();
      };
    });
    ws.send(JSON.stringify({ type: 'PING', id }));
    const outcome = await Promise.race([answered.then(() => 'pong'), closed.then(() => 'closed')]);
    if (outcome === 'closed') break;
    counts.processed += inBatch;
  }
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  const safety = setTimeout(() => ws.terminate(), 10_000);
  bump(counts.closeCodes, await closed);
  clearTimeout(safety);
}

test(`fuzz: ${TOTAL.toLocaleString('en')} hostile frames over many connections; legitimate relay unharmed`, async (t) => {
  // The limiters are opened so the hostile frames reach the decoder and the core (the limiters
  // themselves are tested in message-limits.test.ts and connection-limits.test.ts).
  const server = await startServerChild(t, {
    maxMessagesPerSecond: 10_000_000,
    messageBurst: 10_000_000,
    maxInvalidMessages: 10_000_000,
    maxConnectionsPerIp: 100_000,
    maxConnectionAttemptsPerIp: 100_000,
    connectionAttemptBurst: 100_000,
  });
  const legitRoom = `legit-${randomUUID()}`;
  const [alice, bob] = await peersInRoom(t, server.wsUrl, legitRoom, 2, 'legit');
  assert.ok(alice && bob);
  const source = new FrameSource(hostileFrames([alice.peerId, bob.peerId]));
  const legitIds = [alice.peerId, bob.peerId];

  // Warm-up: lazily built things (compiled validators' error paths, pools) are not a leak.
  await hostileConnection(server.wsUrl, source, () => true, legitIds);
  const before = await server.memory();
  const sentBefore = counts.sent;
  const processedBefore = counts.processed;

  let fuzzing = true;
  let legitSent = 0;
  let legitReceived = 0;
  const legit = (async () => {
    let seq = 0;
    while (fuzzing) {
      for (let k = 0; k < 20; k++) {
        const candidate = { candidate: `candidate:legit ${seq + k}`, sdpMid: '0', sdpMLineIndex: 0 };
        alice.send({ type: 'ICE_CANDIDATE', toPeerId: bob.peerId, iceCandidate: candidate });
        bob.send({ type: 'ICE_CANDIDATE', toPeerId: alice.peerId, iceCandidate: candidate });
        legitSent += 2;
      }
      for (let k = 0; k < 20; k++) {
        const pairs: Array<[TestClient, TestClient]> = [
          [bob, alice],
          [alice, bob],
        ];
        for (const [to, from] of pairs) {
          const m: Received = await to.next();
          assert.equal(m.type, 'ICE_CANDIDATE', `${to.username} got ${JSON.stringify(m)}`);
          assert.equal(m.fromPeerId, from.peerId);
          assert.equal((m.iceCandidate as { candidate: string }).candidate, `candidate:legit ${seq + k}`);
          legitReceived++;
        }
      }
      seq += 20;
    }
  })();

  const quota = () => counts.processed - processedBefore < TOTAL;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (quota()) await hostileConnection(server.wsUrl, source, quota, legitIds);
    }),
  );
  fuzzing = false;
  await legit;

  await eventually(async () => {
    const s = await server.stats();
    assert.deepEqual([s.connections, s.peers], [2, 2]);
  }, 'every hostile connection cleaned up');
  const after = await server.memory();
  const stats = await server.stats();
  const heapGrowth = (after.heapUsed - before.heapUsed) / MiB;

  const table = (m: Map<string | number, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  console.log(
    `# seed ${SEED}: ${counts.sent - sentBefore} hostile frames sent, ${counts.processed - processedBefore} certainly processed, over ${counts.connections} connections (${counts.identified} identified)`,
  );
  console.log(`# kinds: ${table(counts.byKind)}`);
  console.log(`# answers: ${table(counts.answers)} (frames that closed a connection by design get none)`);
  console.log(`# close codes: ${table(counts.closeCodes)}`);
  console.log(`# legitimate: ${legitSent} sent, ${legitReceived} received in order`);
  console.log(
    `# heap after GC ${(before.heapUsed / MiB).toFixed(2)} → ${(after.heapUsed / MiB).toFixed(2)} MiB (${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(2)}); RSS ${(after.rss / MiB).toFixed(1)} MiB`,
  );

  assert.ok(counts.processed - processedBefore >= TOTAL);
  assert.equal(server.child.exitCode, null, 'the server process is alive');
  assert.equal(stats.unhandledRejections, 0);
  assert.equal(stats.uncaughtExceptions, 0);
  assert.equal(stats.polluted, 0, 'Object.prototype untouched');
  assert.equal(counts.nonJsonAnswers, 0, 'every answer was a JSON text frame');
  assert.equal(counts.relayedFromLegit, 0, 'no hostile client received a legitimate peer’s signal');
  assert.equal(legitReceived, legitSent, 'every legitimate message arrived');
  assert.ok(legitSent > 0);
  assert.ok(heapGrowth < 4, `heap grew ${heapGrowth.toFixed(2)} MiB`);
  // The legitimate peers are still served after all of it.
  await alice.sync();
  await bob.sync();
});
