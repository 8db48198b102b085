/**
 * `node --import tsx bench/micro.ts` — the relay path of the core without sockets: decode,
 * limits, dispatch, encode and delivery for the bench's 9:1 candidate/SDP mix. Reports ns per
 * relayed message (best of several runs), to A/B a change to the hot path on a busy machine
 * where the socket benchmark is noisy. It does not replace `npm run bench`.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { MemoryBackend } from '../src/backend/memory.js';
import { ServerMetrics } from '../src/metrics/server-metrics.js';
import type { Connection } from '../src/core/connection.js';
import { SignalingCore, type SessionHandle } from '../src/core/signaling-core.js';
import { PROTOCOLS } from './load/protocols.js';

const MESSAGES = Number(process.env.MICRO_MESSAGES ?? 200_000);
const RUNS = Number(process.env.MICRO_RUNS ?? 7);
const PAIRS = Number(process.env.MICRO_PAIRS ?? 50);

interface FakePeer {
  handle: SessionHandle;
  frames: string[];
}

function fakePeer(core: SignalingCore): FakePeer {
  const frames: string[] = [];
  const connection: Connection = {
    send: (frame) => {
      // What the WebSocket transport does with every frame (ws would encode a string itself).
      void frame.bytes;
      frames.push(frame.text);
    },
    close: () => undefined,
    bufferedAmount: 0,
  };
  return { handle: core.connect(connection, { ip: '127.0.0.1' }), frames };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

async function main(): Promise<void> {
  const backend = new MemoryBackend();
  // As the server runs by default: metrics on, resume on (replay log of every frame sent).
  // MICRO_METRICS=0 or MICRO_RESUME=0 turns one off, to see what it costs.
  const metrics = process.env.MICRO_METRICS !== '0';
  const resume = process.env.MICRO_RESUME !== '0';
  const core: SignalingCore = new SignalingCore({
    backend,
    observer: metrics ? new ServerMetrics({ stats: () => core.stats(), backend }) : undefined,
    resume: resume
      ? {
          graceMs: 30_000,
          queue: { maxMessages: 256, maxBytes: 256 * 1024 },
          replay: { maxFrames: 64, maxBytes: 128 * 1024 },
        }
      : undefined,
    logger: pino({ level: 'warn' }),
    identifyTimeoutMs: 60_000,
    maxPeersPerRoom: 50,
    rateLimits: { messagesPerSecond: 1e9, burst: 1e9, maxInvalid: 10, invalidWindowMs: 5000 },
  });
  await core.start();
  // As many pairs as the socket benchmark: the replay logs of all of them hold frames at once.
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = fakePeer(core);
    const b = fakePeer(core);
    a.handle.onText(JSON.stringify({ type: 'IDENTIFY', username: `micro-${i}a` }));
    b.handle.onText(JSON.stringify({ type: 'IDENTIFY', username: `micro-${i}b` }));
    await settle();
    a.handle.onText(JSON.stringify({ type: 'JOIN_ROOM', roomId: `micro-${i}` }));
    await settle();
    b.handle.onText(JSON.stringify({ type: 'JOIN_ROOM', roomId: `micro-${i}` }));
    await settle();
    pairs.push({ a, b });
  }
  const idOf = (p: FakePeer) => (JSON.parse(p.frames[0] as string) as { peerId: string }).peerId;
  // Distinct frames, built before timing, like frames arriving from the network: 1,000 in all.
  const perPair = Math.ceil(1000 / PAIRS);
  const frames = pairs.map(({ a, b }) => {
    const t = PROTOCOLS.signalroom.templates(idOf(a), idOf(b));
    return Array.from({ length: perPair }, (_, i) => {
      const tpl = i % 10 === 9 ? t.sdp : t.candidate;
      return tpl.head + (1000 + i).toFixed(3) + tpl.tail;
    });
  });
  const results: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    for (let i = 0; i < MESSAGES; i++) {
      const p = i % PAIRS;
      const pair = pairs[p] as (typeof pairs)[number];
      pair.a.handle.onText((frames[p] as string[])[Math.floor(i / PAIRS) % perPair] as string);
      // ws turns a sent string into bytes at once and keeps nothing: neither does this connection.
      pair.b.frames.length = 0;
    }
    results.push(((performance.now() - t0) * 1e6) / MESSAGES);
  }
  const sorted = [...results].sort((x, y) => x - y);
  console.log(
    `relay path: best ${sorted[0]?.toFixed(0)} ns/msg, median ${sorted[RUNS >> 1]?.toFixed(0)} ns/msg (${RUNS} runs of ${MESSAGES})`,
  );
  await core.closeAll('GOING_AWAY');
  await core.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
