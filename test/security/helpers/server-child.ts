/**
 * A signalroom server in its own process, for measurements the test process would distort (RSS,
 * heap after GC) and for counting unhandled rejections. Started by `startServerChild`; it takes its
 * config from SIGNALROOM_TEST_CONFIG and answers requests over the IPC channel.
 */
import { createServer } from '../../../src/server.js';

const counts = { unhandledRejections: 0, uncaughtExceptions: 0 };
process.on('unhandledRejection', () => counts.unhandledRejections++);
process.on('uncaughtException', () => counts.uncaughtExceptions++);

const config = JSON.parse(process.env.SIGNALROOM_TEST_CONFIG ?? '{}') as Record<string, unknown>;
const server = await createServer({ port: 0, host: '127.0.0.1', logLevel: 'silent', ...config });
const { port } = await server.listen();

/** Collect garbage until the heap stops shrinking, so two readings compare live objects only. */
function settledHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the child with --expose-gc');
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 64 * 1024) return used;
    last = used;
  }
  return process.memoryUsage().heapUsed;
}

process.on('message', (request: { id: number; type: string }) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ id: request.id, ...body });
  switch (request.type) {
    case 'memory': {
      const heapUsed = settledHeap();
      const { rss, external } = process.memoryUsage();
      reply({ heapUsed, external, rss });
      return;
    }
    case 'introspect':
      reply({ sizes: server.core.introspect() });
      return;
    case 'stats':
      reply({
        ...server.core.stats(),
        ...counts,
        prototypeKeys: Object.getOwnPropertyNames(Object.prototype).length,
        polluted: Object.keys(Object.prototype).length,
      });
      return;
    case 'stop':
      void server.close().then(() => {
        reply({ stopped: true });
        process.exit(0);
      });
      return;
  }
});
process.send?.({ id: 0, port });
