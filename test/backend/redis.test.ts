/** The Redis backend on a single redis-server: the contract and the two-node cases. */
import { after, before } from 'node:test';
import { RedisServer } from '../helpers/redis-server.js';
import { redisCases } from './redis-cases.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

redisCases('redis', () => ({ url: redis.url }));
