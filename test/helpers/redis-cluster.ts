/**
 * A private Redis Cluster for one test: `primaries` cluster-enabled redis-server processes, each
 * with `replicasPerPrimary` replicas, joined by `redis-cli --cluster create`. A short node timeout
 * makes a killed primary's replica take over within a few seconds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisServer } from './redis-server.js';

const run = promisify(execFile);
const SAFETY_MS = 30_000;

/** How to build the cluster. */
export interface RedisClusterOptions {
  primaries?: number;
  replicasPerPrimary?: number;
  /** `cluster-node-timeout`: how long a primary may be unreachable before its replica takes over. */
  nodeTimeoutMs?: number;
}

/** A running cluster; {@link destroy} kills every process (SIGCONT first for stopped ones). */
export class RedisCluster {
  private constructor(readonly servers: RedisServer[]) {}

  /** `host:port` of every process, for `--redis-cluster-nodes`. */
  get addresses(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.port}`);
  }

  /** Start the processes, create the cluster and wait until every slot is served and replicated. */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const primaries = options.primaries ?? 3;
    const replicas = options.replicasPerPrimary ?? 1;
    const args = [
      '--cluster-enabled',
      'yes',
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 1500),
      '--cluster-config-file',
      'nodes.conf',
      // A replica takes over even if it was disconnected for a while (tests kill things quickly).
      '--cluster-replica-validity-factor',
      '0',
      '--cluster-allow-reads-when-down',
      'no',
    ];
    const servers: RedisServer[] = [];
    const cluster = new RedisCluster(servers);
    try {
      for (let i = 0; i < primaries * (1 + replicas); i++) servers.push(await RedisServer.start(args));
      await run('redis-cli', [
        '--cluster',
        'create',
        ...cluster.addresses,
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ]);
      await cluster.waitHealthy(primaries, replicas);
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  /** Wait until every process says the cluster is ok and every primary has its replicas in sync. */
  async waitHealthy(primaries: number, replicas: number): Promise<void> {
    const deadline = Date.now() + SAFETY_MS;
    for (;;) {
      const states = await Promise.all(this.servers.filter((s) => s.running).map((s) => describe(s)));
      const ok = states.every((s) => s.clusterOk);
      const masters = states.filter((s) => s.role === 'master' && s.syncedReplicas >= replicas);
      if (ok && masters.length >= primaries) return;
      if (Date.now() > deadline) throw new Error(`cluster not healthy: ${JSON.stringify(states)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The process serving `key`'s slot as primary. */
  async primaryOf(key: string): Promise<RedisServer> {
    const seed = this.servers.find((s) => s.running);
    if (!seed) throw new Error('no cluster process running');
    const client = seed.client();
    try {
      const slot = Number(await client.call('CLUSTER', 'KEYSLOT', key));
      const ranges = (await client.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      const port = range?.[2][1];
      const server = this.servers.find((s) => s.port === port);
      if (!server) throw new Error(`no primary serves slot ${slot}`);
      return server;
    } finally {
      client.disconnect();
    }
  }

  /** Kill every process and remove their directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.destroy()));
  }
}

interface NodeState {
  port: number;
  clusterOk: boolean;
  role: string;
  syncedReplicas: number;
}

async function describe(server: RedisServer): Promise<NodeState> {
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, commandTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [cluster, replication] = await Promise.all([
      client.call('CLUSTER', 'INFO') as Promise<string>,
      client.info('replication'),
    ]);
    const role = /role:(\w+)/.exec(replication)?.[1] ?? '';
    const synced = [...replication.matchAll(/slave\d+:.*state=online/g)].length;
    return {
      port: server.port,
      clusterOk: cluster.includes('cluster_state:ok'),
      role,
      syncedReplicas: synced,
    };
  } catch {
    return { port: server.port, clusterOk: false, role: '', syncedReplicas: 0 };
  } finally {
    client.disconnect();
  }
}
