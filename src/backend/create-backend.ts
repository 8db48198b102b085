/** Pick the backend the config asks for. */
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Backend } from './backend.js';
import { MemoryBackend } from './memory.js';
import { RedisBackend } from './redis.js';

/** The memory backend, or the Redis backend with the `redis-*` options. */
export function createBackend(config: Config, logger: Logger, nodeId: string): Backend {
  if (config.backend === 'memory') return new MemoryBackend(nodeId);
  return new RedisBackend({
    url: config.redisUrl,
    sentinels: config.redisSentinels,
    sentinelMaster: config.redisSentinelMaster,
    clusterNodes: config.redisClusterNodes,
    keyPrefix: config.redisKeyPrefix,
    nodeTimeoutMs: config.redisNodeTimeoutMs,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    relayDeadlineMs: config.redisRelayDeadlineMs,
    logger,
    nodeId,
  });
}
