/**
 * The runner's side channel into a server process under test: announce the port, and on request
 * collect garbage and report memory, or write a heap snapshot. Nothing here runs while load is measured.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';

/** Garbage collection pauses of the main thread since the last report. */
export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** A started server. */
export interface StartedServer {
  port: number;
  close(): Promise<void>;
}

/** Run `start` and serve the runner's IPC requests. */
export function serveChild(start: () => Promise<StartedServer>): void {
  // GC pauses stop the whole server: they are the first suspect for latency tails.
  let pauses: GcPauses = { count: 0, totalMs: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      pauses.count++;
      pauses.totalMs += entry.duration;
      pauses.maxMs = Math.max(pauses.maxMs, entry.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  start().then(
    (server) => {
      process.on(
        'message',
        (msg: { id: number; cmd: 'gc' | 'gcPauses' | 'snapshot' | 'stop'; file?: string }) => {
          if (msg.cmd === 'gcPauses') {
            process.send?.({ id: msg.id, pauses });
            pauses = { count: 0, totalMs: 0, maxMs: 0 };
          } else if (msg.cmd === 'snapshot') {
            // For bench/heap-breakdown.ts; writing a snapshot collects garbage first.
            process.send?.({ id: msg.id, file: writeHeapSnapshot(msg.file) });
          } else if (msg.cmd === 'gc') {
            const gc = (globalThis as { gc?: () => void }).gc;
            gc?.();
            gc?.();
            process.send?.({ id: msg.id, memory: process.memoryUsage() });
          } else if (msg.cmd === 'stop') {
            const bye = () => process.exit(0);
            setTimeout(bye, 3000).unref();
            server.close().then(bye, bye);
          }
        },
      );
      process.send?.({ ready: true, port: server.port });
    },
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
  process.on('disconnect', () => process.exit(0));
}
