/**
 * redis: what the Redis backend costs Redis itself, from Redis' own accounting (`INFO cpu`,
 * `INFO commandstats`, bench/lib/redis-stats.ts), on a single Redis and on a 3-shard Redis
 * Cluster, with two signalroom nodes:
 *
 * - cross-node relay: 50 pairs, each split over the two nodes, open loop at {@link RELAY_RATES}
 *   and closed loop: Redis CPU (summed over the shards) and calls per relayed message;
 * - session churn: pairs connect, identify, join their own room, relay a few messages, leave and
 *   close, all on one node: Redis CPU and calls per session (one peer's life).
 *
 * Redis' background work (heartbeats, cron) is measured over an idle phase and subtracted.
 * docs/scaling.md's capacity table is computed from these figures.
 */
import { randomUUID } from 'node:crypto';
import { RedisCluster } from '../../test/helpers/redis-cluster.js';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { ServerProcess } from '../lib/processes.js';
import { readRedis, redisDelta, type RedisDelta } from '../lib/redis-stats.js';
import type { ServerKind } from '../lib/servers.js';
import type { ChurnResult } from '../load/sessions.js';
import { relayPhase } from './relay-phase.js';
import { onEveryGenerator, type BenchContext, type Metrics, type Scenario } from './scenario.js';

/** Offered rates of the open-loop relay phases (messages per second, whole run). */
export const RELAY_RATES = [1000, 5000] as const;
/** Pairs started per second in the churn phase. */
export const REDIS_CHURN_PAIRS_PER_SEC = 50;

const PAIRS = 50;

type Topology = 'single' | 'cluster';

/** A Redis deployment for one measurement. */
interface Deployment {
  env: Record<string, string>;
  primaries(): Promise<number[]>;
  destroy(): Promise<void>;
}

async function deploy(topology: Topology): Promise<Deployment> {
  const prefix = `bench-${randomUUID().slice(0, 8)}:`;
  if (topology === 'single') {
    const redis = await RedisServer.start();
    return {
      env: { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: prefix },
      primaries: async () => [redis.port],
      destroy: () => redis.destroy(),
    };
  }
  const cluster = await RedisCluster.start({ primaries: 3, replicasPerPrimary: 0 });
  return {
    env: { BENCH_REDIS_CLUSTER_NODES: cluster.addresses.join(','), BENCH_REDIS_PREFIX: prefix },
    primaries: async () => cluster.servers.map((s) => s.port),
    destroy: () => cluster.destroy(),
  };
}

// Publishes between nodes (PUBLISH on a single Redis, SPUBLISH on a cluster).
function publishes(delta: RedisDelta): number {
  return (delta.byCommand.publish ?? 0) + (delta.byCommand.spublish ?? 0);
}

// Redis CPU over `phase`, less what it spends idle over the same time.
async function measured<T>(ports: number[], idleMsPerSec: number, phase: () => Promise<T>) {
  const before = await readRedis(ports);
  const t0 = Date.now();
  const result = await phase();
  const delta = redisDelta(before, await readRedis(ports));
  const idle = (idleMsPerSec * (Date.now() - t0)) / 1000;
  return { result, delta: { ...delta, cpuMs: Math.max(0, delta.cpuMs - idle) } satisfies RedisDelta };
}

async function measureTopology(
  ctx: BenchContext,
  kind: ServerKind,
  topology: Topology,
  into: Metrics,
): Promise<void> {
  const deployment = await deploy(topology);
  const nodes: ServerProcess[] = [];
  try {
    // The Redis entry of the checkout under test (also for --against).
    const clusterKind = { ...kind, entry: kind.entry.replace(/signalroom\.ts$/, 'signalroom-redis.ts') };
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await ServerProcess.start(clusterKind, {
          ...ctx,
          serverEnv: { ...ctx.serverEnv, ...deployment.env },
        }),
      );
    }
    const [a, b] = nodes as [ServerProcess, ServerProcess];
    const ports = await deployment.primaries();
    const nodeCpu = () => nodes.reduce((sum, n) => sum + n.cpuMs(), 0);
    const idleStart = await readRedis(ports);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleMsPerSec = redisDelta(idleStart, await readRedis(ports)).cpuMs / 2;
    const key = (name: string) => `${topology}_${name}`;

    await onEveryGenerator(ctx.generators, PAIRS, (pairs, i) => ({
      cmd: 'pairs',
      protocol: 'signalroom',
      port: a.port,
      portB: b.port,
      pairs,
      prefix: `${topology}rg${i}`,
    }));
    await relayPhase(ctx.generators, () => ({
      cmd: 'closed',
      durationMs: ctx.quick ? 500 : 1500,
      window: 4,
    }));
    const openMs = ctx.quick ? 1500 : 4000;
    for (const rate of RELAY_RATES) {
      const c0 = nodeCpu();
      const { result, delta } = await measured(ports, idleMsPerSec, () =>
        relayPhase(ctx.generators, (share) => ({ cmd: 'open', durationMs: openMs, rate: share }), rate),
      );
      into[key(`redisUsPerRelay_${rate}`)] = (delta.cpuMs * 1000) / result.received;
      into[key(`maxShardUsPerRelay_${rate}`)] = (delta.maxShardCpuMs * 1000) / result.received;
      into[key(`callsPerRelay_${rate}`)] = delta.calls / result.received;
      into[key(`publishesPerRelay_${rate}`)] = publishes(delta) / result.received;
      into[key(`nodeUsPerRelay_${rate}`)] = ((nodeCpu() - c0) * 1000) / result.received;
      into[key(`lost_${rate}`)] = result.sent - result.received;
    }
    const closed = await measured(ports, idleMsPerSec, () =>
      relayPhase(ctx.generators, () => ({ cmd: 'closed', durationMs: ctx.quick ? 2000 : 5000, window: 4 })),
    );
    into[key('redisUsPerRelay_closed')] = (closed.delta.cpuMs * 1000) / closed.result.received;
    into[key('callsPerRelay_closed')] = closed.delta.calls / closed.result.received;
    into[key('publishesPerRelay_closed')] = publishes(closed.delta) / closed.result.received;
    into[key('throughput_closed')] = closed.result.received / (closed.result.elapsedMs / 1000);
    await Promise.all(ctx.generators.map((g) => g.run({ cmd: 'closeAll' })));

    const churn = await measured(ports, idleMsPerSec, () =>
      onEveryGenerator<ChurnResult>(ctx.generators, REDIS_CHURN_PAIRS_PER_SEC, (share, i) => ({
        cmd: 'churn',
        protocol: kind.protocol,
        port: a.port,
        prefix: `${topology}cg${i}-`,
        pairsPerSec: share,
        durationMs: ctx.quick ? 2000 : 5000,
        messages: 4,
        maxInFlight: 200,
      })),
    );
    const sessions = 2 * churn.result.reduce((sum, r) => sum + r.completed, 0);
    into[key('redisUsPerSession')] = (churn.delta.cpuMs * 1000) / sessions;
    into[key('maxShardUsPerSession')] = (churn.delta.maxShardCpuMs * 1000) / sessions;
    into[key('callsPerSession')] = churn.delta.calls / sessions;
    into[key('scriptCallsPerSession')] =
      ((churn.delta.byCommand.evalsha ?? 0) + (churn.delta.byCommand.eval ?? 0)) / sessions;
    into[key('sessionsFailed')] = 2 * churn.result.reduce((sum, r) => sum + r.failed, 0);
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await deployment.destroy();
  }
}

/** The Redis cost scenario (signalroom, and the checkout of --against on a single Redis). */
export const redisScenario: Scenario = {
  id: 'redis',
  title: 'Redis CPU per cross-node relay and per session, on one Redis and on a 3-shard cluster',
  rounds: 3,
  appliesTo: (kind) => kind.id === 'signalroom' || (kind.id as string) === 'against',
  async measure(ctx, kind) {
    const m: Metrics = {};
    // An older checkout may not speak Redis Cluster at all: it is compared on a single Redis.
    const topologies: Topology[] = kind.id === 'signalroom' ? ['single', 'cluster'] : ['single'];
    for (const topology of topologies) await measureTopology(ctx, kind, topology, m);
    return m;
  },
};
