/** Pick the backend the options ask for, and check the options of the Redis backend. */
import type { Logger } from 'pino';
import type { Backend } from './backend.js';
import { MemoryBackend } from './memory.js';
import { RedisBackend, type RedisBackendOptions } from './redis.js';

/** Which backend to build (`--backend`), with the Redis backend's options (checked even when unused). */
export interface BackendOptions {
  kind: 'memory' | 'redis';
  redis: Omit<RedisBackendOptions, 'logger' | 'nodeId'>;
}

/** Throw an error when the Redis timeouts do not fit together. */
export function checkBackendOptions(options: BackendOptions): void {
  if (options.redis.commandTimeoutMs * 3 > options.redis.nodeTimeoutMs) {
    throw new Error(
      '--redis-command-timeout-ms: must be at most a third of --redis-node-timeout-ms (a slow heartbeat must not look like a dead node)',
    );
  }
}

/** The memory backend, or the Redis backend with `options.redis`. */
export function createBackend(options: BackendOptions, logger: Logger, nodeId: string): Backend {
  if (options.kind === 'memory') return new MemoryBackend(nodeId);
  return new RedisBackend({ ...options.redis, logger, nodeId });
}
