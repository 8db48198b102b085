/**
 * cross-node: the relay scenario on a two-node cluster (Redis backend, a private redis-server).
 * The same 50 pairs are measured twice per round: both peers of a pair on node A ("same node",
 * the Redis backend's local path), then each pair split over nodes A and B ("cross node": every
 * message goes A → Redis pub/sub → B). Closed loop for throughput, open loop for latency.
 */
import { randomUUID } from 'node:crypto';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { ServerProcess } from '../lib/processes.js';
import { readRedis, redisDelta } from '../lib/redis-stats.js';
import { max, quantile } from '../lib/stats.js';
import { relayPhase } from './relay-phase.js';
import { onEveryGenerator, type BenchContext, type Metrics, type Scenario } from './scenario.js';

/** Offered rates of the open-loop phase (messages per second, whole run). */
export const CROSS_RATES = [1000, 5000] as const;

const PAIRS = 50;
const WINDOW = 4;

async function measurePlacement(
  ctx: BenchContext,
  portA: number,
  portB: number,
  nodes: ServerProcess[],
  redisPort: number,
  prefix: string,
  into: Metrics,
  label: 'same' | 'cross',
): Promise<void> {
  await onEveryGenerator(ctx.generators, PAIRS, (pairs, i) => ({
    cmd: 'pairs',
    protocol: 'signalroom',
    port: portA,
    portB,
    pairs,
    prefix: `${prefix}${label}g${i}`,
  }));
  const closedMs = ctx.quick ? 2000 : 5000;
  const openMs = ctx.quick ? 1500 : 4000;
  await relayPhase(ctx.generators, () => ({
    cmd: 'closed',
    durationMs: ctx.quick ? 500 : 1500,
    window: WINDOW,
  }));
  const cpu = () => nodes.reduce((a, n) => a + n.cpuMs(), 0);
  const c0 = cpu();
  const r0 = await readRedis([redisPort]);
  const closed = await relayPhase(ctx.generators, () => ({
    cmd: 'closed',
    durationMs: closedMs,
    window: WINDOW,
  }));
  into[`throughput_${label}`] = closed.received / (closed.elapsedMs / 1000);
  into[`cpuPerMsgUs_${label}`] = ((cpu() - c0) * 1000) / closed.received;
  // Redis' own CPU (INFO cpu) per relayed message; its idle work is negligible at this rate.
  into[`redisUsPerMsg_${label}`] =
    (redisDelta(r0, await readRedis([redisPort])).cpuMs * 1000) / closed.received;
  into[`lostClosed_${label}`] = closed.sent - closed.received;
  for (const rate of CROSS_RATES) {
    const open = await relayPhase(
      ctx.generators,
      (share) => ({ cmd: 'open', durationMs: openMs, rate: share }),
      rate,
    );
    into[`p50_${rate}_${label}`] = quantile(open.latencies, 0.5);
    into[`p99_${rate}_${label}`] = quantile(open.latencies, 0.99);
    into[`max_${rate}_${label}`] = max(open.latencies);
    into[`lost_${rate}_${label}`] = open.sent - open.received;
  }
  await Promise.all(ctx.generators.map((g) => g.run({ cmd: 'closeAll' })));
}

/** The cross-node relay scenario (signalroom, and the checkout of --against). */
export const crossNodeScenario: Scenario = {
  id: 'cross-node',
  title: 'Relay across two nodes on Redis (50 pairs) against the same pairs on one node',
  rounds: 3,
  appliesTo: (kind) => kind.id === 'signalroom' || (kind.id as string) === 'against',
  async measure(ctx, kind, round) {
    const redis = await RedisServer.start();
    const nodes: ServerProcess[] = [];
    try {
      const env = {
        ...ctx.serverEnv,
        BENCH_REDIS_URL: redis.url,
        BENCH_REDIS_PREFIX: `bench-${randomUUID()}:`,
      };
      // The Redis entry of the checkout under test (also for --against).
      const clusterKind = { ...kind, entry: kind.entry.replace(/signalroom\.ts$/, 'signalroom-redis.ts') };
      for (let i = 0; i < 2; i++)
        nodes.push(await ServerProcess.start(clusterKind, { ...ctx, serverEnv: env }));
      const [a, b] = nodes as [ServerProcess, ServerProcess];
      const m: Metrics = {};
      await measurePlacement(ctx, a.port, a.port, nodes, redis.port, `x${round}`, m, 'same');
      await measurePlacement(ctx, a.port, b.port, nodes, redis.port, `x${round}`, m, 'cross');
      return m;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis.destroy();
    }
  },
};
