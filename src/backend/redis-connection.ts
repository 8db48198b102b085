/**
 * The connection to Redis, whatever its topology (redis-topology.ts), behind one small interface:
 * commands (with the Lua scripts), publish to a node's channel, subscribe to this node's channel.
 *
 * Everything is set up to fail fast: no offline queue (a command while disconnected rejects at
 * once), no re-sending of commands in flight when a connection drops (a relay sent twice, or
 * late, is worse than one refused), and a command timeout, so a caller never waits on a Redis
 * that is gone; the error becomes {@link BackendUnavailableError} (`UNAVAILABLE`). Reconnection
 * continues in the background with a short, capped backoff. A reply saying the server cannot take
 * writes (READONLY: a demoted primary; LOADING; MASTERDOWN) reconnects, which on Sentinel asks
 * the sentinels for the current primary; Sentinel's `+switch-master` also reconnects at once.
 * On Redis Cluster, cross-node messages use sharded pub/sub (SPUBLISH/SSUBSCRIBE), so each
 * node's channel lives on one shard, and ioredis follows slot migrations and failovers.
 */
import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { BackendUnavailableError } from './backend.js';
import { withScripts, type ScriptCommands } from './redis-scripts.js';
import { describeTopology, type RedisAuth, type RedisTopology } from './redis-topology.js';

/** Commands on whichever topology, with the scripts. */
export type RedisCommands = Redis & ScriptCommands;

/** How to reach Redis. */
export interface RedisConnectionOptions {
  topology: RedisTopology;
  /** A command without an answer within this time fails (→ `UNAVAILABLE`). */
  commandTimeoutMs: number;
  /** Give up starting after this long without a working connection (each failure is logged). */
  startupTimeoutMs: number;
  /** Shown by `CLIENT LIST`, to tell the nodes apart. */
  name: string;
  log: Logger;
}

/** An open connection to Redis; see the module comment. */
export interface RedisLink {
  /** The topology actually used (a `redis://` URL may turn out to be a cluster node). */
  readonly topology: RedisTopology['kind'];
  /**
   * Commands issued together run in the order issued (one connection to one server), so steps
   * that must happen in order may go out in one write; false on a cluster, where they may go to
   * different shards and must be awaited one after the other.
   */
  readonly ordered: boolean;
  /**
   * Commands and scripts, auto-pipelined (the steps of a claim or join issued together reach
   * Redis in one write: fewer reads for Redis) except publishes, which the outbox batches itself
   * (ioredis' pipeline object per tick would cost a node ~40 µs per publish at low rates).
   */
  readonly command: RedisCommands;
  /** Run commands with errors mapped (and, on a cluster, the command timeout enforced). */
  run<T>(call: (redis: RedisCommands) => Promise<T>): Promise<T>;
  /** Publish on a node's channel; resolves with how many subscribers got it. */
  publish(channel: string, text: string): Promise<number>;
  /** Receive everything published on `channel` (re-subscribed after every reconnect). */
  subscribe(channel: string, onMessage: (text: string) => void): Promise<void>;
  /** Every connection is up. */
  isConnected(): boolean;
  /** Call `ready` when a connection (re)connects and `lost` when one drops. */
  onStatus(ready: () => void, lost: () => void): void;
  /** Close every connection. */
  close(): Promise<void>;
}

const AUTO_PIPELINING = {
  enableAutoPipelining: true,
  autoPipeliningIgnoredCommands: ['publish', 'spublish'],
};

/** Replies that mean "not the primary (any more)" or "not ready yet": reconnect, answer UNAVAILABLE. */
const NOT_WRITABLE = /^(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|BUSY|UNBLOCKED)\b/;

/** Open the connections, retrying (and logging why) for up to `startupTimeoutMs`. */
export async function openLink(options: RedisConnectionOptions): Promise<RedisLink> {
  const started = Date.now();
  const what = describeTopology(options.topology);
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectOnce(options, options.topology);
    } catch (err) {
      if (err instanceof SentinelAddressError) throw err;
      const left = options.startupTimeoutMs - (Date.now() - started);
      const reason = (err as Error).message;
      if (left <= 0) {
        throw new BackendUnavailableError(
          `Redis (${what}) not usable after ${Math.round((Date.now() - started) / 1000)} s: ${reason}`,
        );
      }
      options.log.warn({ redis: what, attempt, reason }, 'waiting for Redis');
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, left, 100 * attempt)));
    }
  }
}

/** Run a Redis call; connection trouble and not-writable replies become {@link BackendUnavailableError}. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw unavailableOr(err);
  }
}

/** The error to throw for a failed call: script bugs stay as they are, the rest is UNAVAILABLE. */
export function unavailableOr(err: unknown): Error {
  if (err instanceof BackendUnavailableError) return err;
  const message = (err as Error).message;
  if (err instanceof ReplyError && !NOT_WRITABLE.test(message)) return err as Error;
  return new BackendUnavailableError(`Redis unavailable: ${message}`);
}

async function connectOnce(options: RedisConnectionOptions, topology: RedisTopology): Promise<RedisLink> {
  if (topology.kind === 'cluster') return connectCluster(options, topology);
  const base = clientOptions(options, topology);
  const command = withScripts(new Redis({ ...base, connectionName: `${options.name}:cmd` }));
  const subscriber = new Redis({ ...base, connectionName: `${options.name}:sub` });
  const both = [command, subscriber];
  for (const c of both) c.on('error', () => undefined); // surfaced by rejections and status changes
  try {
    await bounded(Promise.all(both.map((c) => c.connect())), connectBound(options), 'connect');
    const mode = topology.kind === 'standalone' ? await redisMode(command) : 'standalone';
    if (mode === 'sentinel') {
      throw new SentinelAddressError(
        `${describeTopology(topology)} is a Sentinel, not a Redis server: give the sentinels with --redis-sentinels and --redis-sentinel-master, or a redis+sentinel://host:port,…/master URL`,
      );
    }
    if (mode === 'cluster' && topology.kind === 'standalone') {
      for (const c of both) c.disconnect();
      const seed = new URL(topology.url);
      options.log.info(
        { redis: describeTopology(topology) },
        'the Redis URL is a cluster node: using Redis Cluster',
      );
      return connectCluster(options, {
        kind: 'cluster',
        nodes: [{ host: seed.hostname, port: Number(seed.port || 6379) }],
        auth: { tls: seed.protocol === 'rediss:', db: 0, ...credentialsOf(seed) },
      });
    }
  } catch (err) {
    for (const c of both) c.disconnect();
    throw err;
  }
  return {
    topology: topology.kind,
    ordered: true,
    command,
    run: (call) => guarded(() => call(command)),
    publish: (channel, text) => command.publish(channel, text),
    async subscribe(channel, onMessage) {
      subscriber.on('message', (_channel: string, text: string) => onMessage(text));
      await guarded(() => subscriber.subscribe(channel));
    },
    isConnected: () => command.status === 'ready' && subscriber.status === 'ready',
    onStatus(ready, lost) {
      for (const c of both) {
        c.on('ready', ready);
        c.on('close', lost);
      }
    },
    async close() {
      subscriber.disconnect();
      await command.quit().catch(() => command.disconnect());
    },
  };
}

async function connectCluster(
  options: RedisConnectionOptions,
  topology: Extract<RedisTopology, { kind: 'cluster' }>,
): Promise<RedisLink> {
  const redisOptions = {
    ...authOptions(topology.auth),
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectionName: options.name,
  } satisfies ClusterOptions['redisOptions'];
  const cluster = new Cluster(topology.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    ...AUTO_PIPELINING,
    shardedSubscribers: true,
    clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    // ioredis re-sends a command that met a closed connection once the slots are refreshed: `run`
    // bounds how long a caller waits, and the receiving node drops a relay that arrives after a
    // newer one or after its deadline (redis-inbound.ts), so a re-sent publish breaks nothing.
    // Notice a failover or a migrated slot within a second even when no command ran into it.
    slotsRefreshInterval: 1000,
    redisOptions,
  });
  const command = withScripts(cluster as unknown as Redis);
  cluster.on('error', () => undefined);
  cluster.on('node error', () => undefined);
  // ioredis connects to a primary on the first command for it, and a command made while that
  // connection is still being made is refused and sent again 100 ms later (through any node,
  // redirected from there): behind the commands made after it. Two batches published to one
  // node's channel then cross, and the receiver drops the one overtaken (redis-inbound.ts), so
  // a node's first relays to a peer whose channel is on a primary it had not used yet were lost
  // (and reported) under load. Connect to every primary once the cluster is ready (the start
  // waits for it) and to a new one as soon as it appears; not before: ioredis' own ready check
  // would meet a connection being made and start over.
  const connectPrimaries = () => {
    if (cluster.status !== 'ready') return [];
    return cluster.nodes('master').map(settled);
  };
  cluster.on('ready', connectPrimaries);
  cluster.on('+node', connectPrimaries);
  try {
    await bounded(cluster.connect(), connectBound(options), 'connect');
    await bounded(Promise.all(connectPrimaries()), connectBound(options), 'connect to every primary');
  } catch (err) {
    cluster.disconnect();
    throw err;
  }
  const timeoutMs = options.commandTimeoutMs;
  return {
    topology: 'cluster',
    ordered: false,
    command,
    // ioredis retries a cluster command over a failover for seconds, past any command timeout.
    run: (call) => guarded(() => bounded(call(command), timeoutMs, 'command')),
    publish: (channel, text) => cluster.spublish(channel, text) as Promise<number>,
    async subscribe(channel, onMessage) {
      cluster.on('smessage', (_channel: string, text: string) => onMessage(text));
      await guarded(() => bounded(cluster.ssubscribe(channel), timeoutMs, 'ssubscribe'));
    },
    isConnected: () => cluster.status === 'ready',
    onStatus(ready, lost) {
      cluster.on('ready', ready);
      cluster.on('close', lost);
    },
    async close() {
      await cluster.quit().catch(() => cluster.disconnect());
    },
  };
}

/**
 * Connect `redis` if it is not yet; resolves once it is ready or has given up (a primary down:
 * its commands fail as they would have).
 */
function settled(redis: Redis): Promise<void> {
  if (redis.status === 'ready' || redis.status === 'end') return Promise.resolve();
  if (redis.status === 'wait') redis.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const done = () => {
      redis.off('ready', done);
      redis.off('end', done);
      resolve();
    };
    redis.on('ready', done);
    redis.on('end', done);
  });
}

function clientOptions(
  options: RedisConnectionOptions,
  topology: Exclude<RedisTopology, { kind: 'cluster' }>,
): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    autoResubscribe: true,
    // Reconnect quickly and keep trying: a node must come back by itself after a Redis restart.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
    reconnectOnError: (err: Error) => (NOT_WRITABLE.test(err.message) ? 1 : false),
  };
  if (topology.kind === 'standalone') {
    const u = new URL(topology.url);
    return {
      ...common,
      ...authOptions({
        tls: u.protocol === 'rediss:',
        db: Number(u.pathname.slice(1) || 0) || 0,
        ...credentialsOf(u),
      }),
      host: u.hostname,
      port: Number(u.port || 6379),
    };
  }
  return {
    ...common,
    ...authOptions(topology.auth),
    sentinels: topology.sentinels,
    name: topology.master,
    role: 'master',
    failoverDetector: true,
    sentinelCommandTimeout: options.commandTimeoutMs,
    sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    sentinelReconnectStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
  };
}

function authOptions(auth: RedisAuth): Pick<RedisOptions, 'username' | 'password' | 'tls' | 'db'> {
  return {
    ...(auth.username ? { username: auth.username } : {}),
    ...(auth.password ? { password: auth.password } : {}),
    ...(auth.tls ? { tls: {} } : {}),
    ...(auth.db ? { db: auth.db } : {}),
  };
}

function credentialsOf(u: URL): Pick<RedisAuth, 'username' | 'password'> {
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** A Sentinel's address where a Redis server's was expected: retrying cannot help. */
export class SentinelAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SentinelAddressError';
  }
}

// `standalone`, `cluster` or `sentinel`, as the server says of itself.
async function redisMode(redis: Redis): Promise<string> {
  const info = await bounded(redis.info('server'), 5000, 'INFO server');
  return /redis_mode:(\w+)/.exec(info)?.[1] ?? 'standalone';
}

function connectBound(options: RedisConnectionOptions): number {
  return Math.max(2 * options.commandTimeoutMs, 2000);
}

/** `promise`, or a rejection after `ms` (the work itself may still complete later). */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BackendUnavailableError(`Redis ${what} timed out after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
