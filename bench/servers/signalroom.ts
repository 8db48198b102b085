/**
 * signalroom under test: the real server (memory backend), on 127.0.0.1, logging warnings only.
 * Every limiter stays on, with its bounds raised: all load comes from one IP and one pair of
 * peers relays thousands of messages a second, far past what the defaults allow a real client.
 */
import { createServer } from '../../src/server.js';
import { serveChild } from './child.js';

serveChild(async () => {
  const server = await createServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: (process.env.BENCH_LOG_LEVEL ?? 'warn') as 'warn',
    // The join storm puts hundreds of peers in one room.
    maxPeersPerRoom: 1000,
    maxConnections: 1_000_000,
    maxConnectionsPerIp: 1_000_000,
    maxConnectionAttemptsPerIp: 1_000_000,
    connectionAttemptBurst: 1_000_000,
    maxMessagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
  });
  const { port } = await server.listen();
  return { port, close: () => server.close() };
});
