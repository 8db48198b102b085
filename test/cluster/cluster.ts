/**
 * A signalroom cluster for tests: one private redis-server and N nodes, each a real
 * `node src/cli.ts --backend redis` child process, so a test can kill -9 any of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Cluster as RedisClusterClient, Redis } from 'ioredis';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import type { RedisCluster } from '../helpers/redis-cluster.js';
import { RedisServer } from '../helpers/redis-server.js';
import { TestClient } from '../helpers/test-client.js';

const START_TIMEOUT_MS = 20_000;
const SAFETY_MS = 20_000;

/** Options every node gets in tests: short failure bound, limits out of the way of load loops. */
export const TEST_NODE_ARGS = [
  '--redis-node-timeout-ms',
  '3000',
  '--redis-command-timeout-ms',
  '500',
  '--max-messages-per-second',
  '100000',
  '--message-burst',
  '100000',
  '--max-connections-per-ip',
  '10000',
  '--max-connection-attempts-per-ip',
  '10000',
  '--connection-attempt-burst',
  '10000',
];

/** One node process. */
export class ClusterNode {
  readonly logs: Array<Record<string, unknown>> = [];
  port = 0;
  nodeId = '';
  private exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** `ws://127.0.0.1:PORT/ws` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** `http://127.0.0.1:PORT` */
  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Start a node and wait for its "listening" log line. */
  static async start(redisUrl: string, prefix: string, extraArgs: string[] = []): Promise<ClusterNode> {
    const args = [
      '--import',
      'tsx',
      'src/cli.ts',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--log-level',
      'info',
      '--backend',
      'redis',
      '--redis-url',
      redisUrl,
      '--redis-key-prefix',
      prefix,
      ...TEST_NODE_ARGS,
      ...extraArgs,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const node = new ClusterNode(child);
    // For a flaky test: SIGNALROOM_TEST_NODE_LOGS=<dir> keeps each node's stdout and stderr (with
    // DEBUG=ioredis:* too, say) in <dir>/<pid>.log.
    const logDir = process.env.SIGNALROOM_TEST_NODE_LOGS;
    if (logDir) {
      const file = createWriteStream(join(logDir, `${child.pid}.log`));
      child.stdout?.pipe(file);
      child.stderr?.pipe(file);
    }
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node did not start: ${stderr}`)), START_TIMEOUT_MS);
      let buffered = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) !== -1) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          let entry: Record<string, unknown>;
          try {
            entry = JSON.parse(line) as Record<string, unknown>;
          } catch {
            continue;
          }
          node.logs.push(entry);
          if (entry.msg === 'listening') {
            node.port = Number(new URL(String(entry.url)).port);
            node.nodeId = String(entry.node);
            clearTimeout(timer);
            resolve();
          }
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node exited with ${code} before listening: ${stderr}`));
      });
    });
    return node;
  }

  /** kill -9: no cleanup of any kind. */
  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  /** GET /readyz status code. */
  async readyz(): Promise<number> {
    const res = await fetch(`${this.httpUrl}/readyz`);
    await res.arrayBuffer();
    return res.status;
  }

  /** Wait until /readyz answers `status` (polled: readiness has no event to wait on). */
  async waitReady(status: 200 | 503, withinMs?: number): Promise<void> {
    await until(
      async () => (await this.readyz()) === status,
      `readyz ${status} on port ${this.port}`,
      withinMs,
    );
  }
}

/** A running cluster. */
export interface Cluster {
  redis: RedisServer;
  nodes: ClusterNode[];
  prefix: string;
  /** The names of the cluster's keys. */
  keys: RedisKeys;
  /** A plain Redis client for inspecting state. */
  inspect: Redis;
}

/** Start `n` nodes on a Redis deployment (`extraArgs` may name sentinels or cluster nodes); stopped when the test ends. */
export async function startNodes(
  t: TestContext,
  n: number,
  redisUrl: string,
  prefix: string,
  extraArgs: (i: number) => string[] = () => [],
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  t.after(() => Promise.all(nodes.map((node) => node.stop())));
  for (let i = 0; i < n; i++) nodes.push(await ClusterNode.start(redisUrl, prefix, extraArgs(i)));
  return nodes;
}

/**
 * Start `n` nodes on a running Redis Cluster under a fresh prefix, with a cluster client to inspect
 * it; the nodes are stopped and the client closed when the test ends.
 */
export async function startNodesOnCluster(
  t: TestContext,
  redis: RedisCluster,
  n: number,
  extraArgs: string[],
): Promise<{ nodes: ClusterNode[]; inspect: RedisClusterClient; keys: RedisKeys }> {
  const prefix = `sr-${randomUUID().slice(0, 8)}:`;
  const seeds = redis.addresses.map((a) => ({ host: '127.0.0.1', port: Number(a.split(':')[1]) }));
  const inspect = new RedisClusterClient(seeds, { redisOptions: { maxRetriesPerRequest: 3 } });
  inspect.on('error', () => undefined);
  t.after(() => inspect.disconnect());
  // The URL is not used: --redis-cluster-nodes names the deployment.
  const nodes = await startNodes(t, n, 'redis://127.0.0.1:6379', prefix, () => [
    '--redis-cluster-nodes',
    redis.addresses.join(','),
    ...extraArgs,
  ]);
  return { nodes, inspect, keys: new RedisKeys(prefix) };
}

/** Start redis-server and `n` nodes; everything is stopped when the test ends. */
export async function startCluster(t: TestContext, n = 3, extraArgs: string[] = []): Promise<Cluster> {
  const redis = await RedisServer.start();
  const prefix = `sr-${randomUUID().slice(0, 8)}:`;
  const nodes: ClusterNode[] = [];
  // Queues commands while Redis restarts, so inspecting right after a restart waits for it.
  const inspect = new Redis(redis.url, { lazyConnect: true });
  inspect.on('error', () => undefined);
  t.after(async () => {
    inspect.disconnect();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.destroy();
  });
  for (let i = 0; i < n; i++) nodes.push(await ClusterNode.start(redis.url, prefix, extraArgs));
  await inspect.connect();
  return { redis, nodes, prefix, keys: new RedisKeys(prefix), inspect };
}

/** Poll `check` until it holds; a safety timeout (or `withinMs`) turns a hang into a failure. */
export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  withinMs = SAFETY_MS,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet (e.g. connection refused while a process restarts)
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${withinMs} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Connect, identify and join: one client on `node`. */
export async function member(t: TestContext, node: ClusterNode, name: string, roomId: string) {
  const client = await TestClient.connect(t, node.wsUrl);
  await client.identify(name);
  const members = await client.join(roomId);
  return { client, members: members.members as Array<{ id: string; username: string }> };
}
