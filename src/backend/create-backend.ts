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

/** Throw an error when the Redis timeouts or the way to find Redis (URL, Sentinel, Cluster) do not fit together. */
export function checkBackendOptions(options: BackendOptions): void {
  const redis = options.redis;
  if (redis.commandTimeoutMs * 3 > redis.nodeTimeoutMs) {
    throw new Error(
      '--redis-command-timeout-ms: must be at most a third of --redis-node-timeout-ms (a slow heartbeat must not look like a dead node)',
    );
  }
  const sentinels = redis.sentinels ?? [];
  const clusterNodes = redis.clusterNodes ?? [];
  const sentinelUrl = redis.url.includes('+sentinel://');
  if ([sentinels.length > 0, clusterNodes.length > 0, sentinelUrl].filter(Boolean).length > 1) {
    throw new Error(
      '--redis-sentinels, --redis-cluster-nodes and a redis+sentinel:// URL exclude each other',
    );
  }
  if (sentinels.length > 0 !== ((redis.sentinelMaster ?? '') !== '')) {
    throw new Error('--redis-sentinels and --redis-sentinel-master go together: give both or neither');
  }
  if (sentinelUrl && !/^rediss?\+sentinel:\/\/[^/]+\/[^/\s]+\/?$/.test(redis.url)) {
    throw new Error(
      '--redis-url: a redis+sentinel:// URL names its sentinels and master: redis+sentinel://host:port,host:port/master',
    );
  }
}

/** The memory backend, or the Redis backend with `options.redis`. */
export function createBackend(options: BackendOptions, logger: Logger, nodeId: string): Backend {
  if (options.kind === 'memory') return new MemoryBackend(nodeId);
  return new RedisBackend({ ...options.redis, logger, nodeId });
}
