/**
 * What Redis says it spent: CPU time (`INFO cpu`, user + system of the server process) and calls
 * per command (`INFO commandstats`), read from every primary of a deployment, so a scenario can
 * divide the difference over a phase by the work done in it (Redis CPU per relay, per session).
 */
import { Redis } from 'ioredis';

/** One reading of every primary. */
export interface RedisReading {
  /** CPU ms per primary, in the order given. */
  cpuMs: number[];
  /** Calls per command name (lower case), summed over the primaries. */
  calls: Record<string, number>;
}

/** Read CPU and command counts of the primaries at `ports` (127.0.0.1). */
export async function readRedis(ports: readonly number[]): Promise<RedisReading> {
  const cpuMs: number[] = [];
  const calls: Record<string, number> = {};
  for (const port of ports) {
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const [cpu, stats] = await Promise.all([client.info('cpu'), client.info('commandstats')]);
      const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
      cpuMs.push((field('used_cpu_user') + field('used_cpu_sys')) * 1000);
      for (const [, name, n] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        calls[name as string] = (calls[name as string] ?? 0) + Number(n);
      }
    } finally {
      client.disconnect();
    }
  }
  return { cpuMs, calls };
}

/** What happened between two readings. */
export interface RedisDelta {
  /** CPU ms summed over the primaries. */
  cpuMs: number;
  /** CPU ms of the busiest primary. */
  maxShardCpuMs: number;
  /** Calls of every command. */
  calls: number;
  /** Calls per command name. */
  byCommand: Record<string, number>;
}

/** The difference `after - before`. */
export function redisDelta(before: RedisReading, after: RedisReading): RedisDelta {
  const perShard = after.cpuMs.map((ms, i) => ms - (before.cpuMs[i] ?? 0));
  const byCommand: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[name] ?? 0);
    if (d > 0) byCommand[name] = d;
  }
  return {
    cpuMs: perShard.reduce((a, b) => a + b, 0),
    maxShardCpuMs: Math.max(...perShard),
    calls: Object.values(byCommand).reduce((a, b) => a + b, 0),
    byCommand,
  };
}
