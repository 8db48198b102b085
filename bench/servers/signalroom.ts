/** signalroom under test: the real server (memory backend), on 127.0.0.1, logging warnings only. */
import { createServer } from '../../src/server.js';
import { serveChild } from './child.js';

serveChild(async () => {
  const server = await createServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: (process.env.BENCH_LOG_LEVEL ?? 'warn') as 'warn',
    // The join storm puts hundreds of peers in one room.
    maxPeersPerRoom: 1000,
  });
  const { port } = await server.listen();
  return { port, close: () => server.close() };
});
