/**
 * ioredis connections set up to fail fast: no offline queue (a command while disconnected rejects
 * at once), no retry of in-flight commands, and a command timeout, so a caller never waits on a
 * Redis that is gone. Reconnection continues in the background with a short, capped backoff; the
 * subscriber connection re-subscribes by itself.
 */
import { Redis, ReplyError } from 'ioredis';
import { BackendUnavailableError } from './backend.js';
import { withScripts, type ScriptCommands } from './redis-scripts.js';

/** How to reach Redis. */
export interface RedisConnectionOptions {
  url: string;
  /** A command without an answer within this time fails (→ `UNAVAILABLE`). */
  commandTimeoutMs: number;
  /** Shown by `CLIENT LIST`, to tell the nodes apart. */
  name: string;
}

/** A command connection (with the Lua scripts) and a subscriber connection. */
export interface RedisConnections {
  command: Redis & ScriptCommands;
  subscriber: Redis;
}

/** Open both connections; rejects with {@link BackendUnavailableError} when Redis cannot be reached. */
export async function openConnections(options: RedisConnectionOptions): Promise<RedisConnections> {
  const base = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(options.commandTimeoutMs, 1000),
    autoResubscribe: true,
    // Reconnect quickly and keep trying: a node must come back by itself after a Redis restart.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
  };
  const command = withScripts(new Redis(options.url, { ...base, connectionName: `${options.name}:cmd` }));
  const subscriber = new Redis(options.url, { ...base, connectionName: `${options.name}:sub` });
  // Errors surface through command rejections and status changes; without a listener ioredis
  // would print them as unhandled.
  command.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  try {
    await Promise.all([command.connect(), subscriber.connect()]);
  } catch (err) {
    command.disconnect();
    subscriber.disconnect();
    throw new BackendUnavailableError(
      `Cannot reach Redis at ${redactUrl(options.url)}: ${(err as Error).message}`,
    );
  }
  return { command, subscriber };
}

/** Run a Redis call; connection trouble becomes {@link BackendUnavailableError}, script bugs stay errors. */
export async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ReplyError) throw err;
    throw new BackendUnavailableError(`Redis unavailable: ${(err as Error).message}`);
  }
}

/** The URL without its password, for logs and errors. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
