/**
 * A private Redis Sentinel deployment for one test: a primary, its replica and three sentinels
 * (`redis-server --sentinel` with a config file each), with short timeouts so a failover takes
 * a couple of seconds.
 */
import { Redis } from 'ioredis';
import { RedisServer } from './redis-server.js';

const SAFETY_MS = 30_000;

/** The master name the sentinels monitor. */
export const MASTER_NAME = 'signalroom-test';

/** How fast the sentinels act. */
export interface SentinelOptions {
  /** `down-after-milliseconds`: a primary unanswered this long is subjectively down. */
  downAfterMs?: number;
  /** `failover-timeout`. */
  failoverTimeoutMs?: number;
}

/** A primary, a replica and three sentinels; {@link destroy} kills them all. */
export class RedisSentinelGroup {
  private constructor(
    /** The two data processes; which one is primary changes with failovers. */
    readonly data: RedisServer[],
    readonly sentinels: RedisServer[],
  ) {}

  /** `host:port` of every sentinel, for `--redis-sentinels`. */
  get sentinelAddresses(): string[] {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`);
  }

  /** The `redis+sentinel://` form of the same deployment. */
  get sentinelUrl(): string {
    return `redis+sentinel://${this.sentinelAddresses.join(',')}/${MASTER_NAME}`;
  }

  /** Start the primary, its replica and the sentinels; resolves once the sentinels agree. */
  static async start(options: SentinelOptions = {}): Promise<RedisSentinelGroup> {
    const primary = await RedisServer.start();
    const group = new RedisSentinelGroup([primary], []);
    try {
      const replica = await RedisServer.start(['--replicaof', '127.0.0.1', String(primary.port)]);
      group.data.push(replica);
      const config = [
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${MASTER_NAME} ${options.failoverTimeoutMs ?? 3000}`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n');
      for (let i = 0; i < 3; i++) group.sentinels.push(await RedisServer.start(['--sentinel'], config));
      await group.waitSettled(primary);
    } catch (err) {
      await group.destroy();
      throw err;
    }
    return group;
  }

  /** The data process every sentinel names as primary, once they agree and it has a synced replica. */
  async primary(): Promise<RedisServer> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      const ports = await Promise.all(this.sentinels.map((s) => masterPort(s)));
      const server = this.data.find((d) => d.port === ports[0]);
      if (server && ports.every((p) => p === ports[0]) && (await syncedReplicas(server)) >= 1) return server;
      if (Date.now() > deadline) throw new Error(`sentinels do not agree on a primary: ${ports.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Wait until every sentinel names `expected` as primary, sees the replica and the other sentinels. */
  async waitSettled(expected: RedisServer): Promise<void> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      const states = await Promise.all(this.sentinels.map((s) => sentinelState(s)));
      const agreed = states.every((s) => s.port === expected.port && s.replicas >= 1 && s.sentinels >= 2);
      if (agreed && (await syncedReplicas(expected)) >= 1) return;
      if (Date.now() > deadline) throw new Error(`sentinels not settled: ${JSON.stringify(states)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Wait until the sentinels name a primary other than `old` (a failover happened). */
  async waitPromoted(old: RedisServer): Promise<RedisServer> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      const ports = await Promise.all(this.sentinels.map((s) => masterPort(s)));
      const server = this.data.find((d) => d.port === ports[0] && d !== old);
      if (server && ports.every((p) => p === server.port) && (await role(server)) === 'master') return server;
      if (Date.now() > deadline) throw new Error(`no failover away from ${old.port}: ${ports.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kill every process. */
  async destroy(): Promise<void> {
    await Promise.all([...this.data, ...this.sentinels].map((s) => s.destroy()));
  }
}

async function ask<T>(server: RedisServer, fn: (c: Redis) => Promise<T>, fallback: T): Promise<T> {
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch {
    return fallback;
  } finally {
    client.disconnect();
  }
}

function masterPort(sentinel: RedisServer): Promise<number> {
  return ask(
    sentinel,
    async (c) => {
      const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[] | null;
      return Number(addr?.[1] ?? 0);
    },
    0,
  );
}

function sentinelState(
  sentinel: RedisServer,
): Promise<{ port: number; replicas: number; sentinels: number }> {
  return ask(
    sentinel,
    async (c) => {
      const flat = (await c.call('SENTINEL', 'master', MASTER_NAME)) as string[];
      const info = new Map<string, string>();
      for (let i = 0; i + 1 < flat.length; i += 2) info.set(flat[i] as string, flat[i + 1] as string);
      return {
        port: Number(info.get('port') ?? 0),
        replicas: Number(info.get('num-slaves') ?? 0),
        sentinels: Number(info.get('num-other-sentinels') ?? 0),
      };
    },
    { port: 0, replicas: 0, sentinels: 0 },
  );
}

function role(server: RedisServer): Promise<string> {
  return ask(server, async (c) => /role:(\w+)/.exec(await c.info('replication'))?.[1] ?? '', '');
}

function syncedReplicas(server: RedisServer): Promise<number> {
  return ask(
    server,
    async (c) => [...(await c.info('replication')).matchAll(/slave\d+:.*state=online/g)].length,
    0,
  );
}
