/** Start a real signalroom server on 127.0.0.1:0 for one test, closed when the test ends. */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { createServer, type SignalroomServer } from '../../src/server.js';
import type { Config } from '../../src/config.js';
import type { ServerDeps } from '../../src/server.js';

/** A running server and the URLs to reach it. */
export interface RunningServer {
  server: SignalroomServer;
  /** `http://127.0.0.1:PORT` */
  httpUrl: string;
  /** `ws://127.0.0.1:PORT/ws` */
  wsUrl: string;
  port: number;
}

/** Start a server (quiet logs unless LOG_LEVEL is set) and register its shutdown with the test. */
export async function startServer(
  t: TestContext | null,
  config: Partial<Config> = {},
  deps: ServerDeps = {},
): Promise<RunningServer> {
  const server = await createServer(
    {
      port: 0,
      host: '127.0.0.1',
      logLevel: (process.env.LOG_LEVEL as Config['logLevel'] | undefined) ?? 'silent',
      // Every test client comes from 127.0.0.1, so per-IP limits would count the whole suite as one
      // client; test/security/ checks those limits with their defaults.
      maxConnectionsPerIp: 100_000,
      maxConnectionAttemptsPerIp: 100_000,
      connectionAttemptBurst: 100_000,
      ...onRedisWhenAsked(),
      ...config,
    },
    deps,
  );
  const { port } = await server.listen();
  t?.after(() => server.close());
  return {
    server,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}${server.config.wsPath}`,
  };
}

/**
 * With SIGNALROOM_TEST_REDIS_URL set (test/backend/integration-on-redis.test.ts sets it), every
 * server runs the Redis backend, each under its own key prefix, so the suite checks both backends.
 */
function onRedisWhenAsked(): Partial<Config> {
  const url = process.env.SIGNALROOM_TEST_REDIS_URL;
  if (!url) return {};
  return { backend: 'redis', redisUrl: url, redisKeyPrefix: `it-${randomUUID()}:` };
}
