/**
 * capacity: K idle connections, each identified and in a room of two (what a waiting call looks
 * like). Server RSS per connection after a full GC, heap per connection, and connections per second.
 */
import { ServerProcess } from '../lib/processes.js';
import { onEveryGenerator, type Scenario } from './scenario.js';

/** Connections a full run holds (the open-file limit here is 20,000 per process). */
export const CAPACITY_FULL = 15_000;
const CAPACITY_QUICK = 2_000;

interface IdleResult {
  connected: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

/** The capacity scenario. */
export const capacityScenario: Scenario = {
  id: 'capacity',
  title: `Capacity (${CAPACITY_FULL.toLocaleString('en')} identified, room-joined idle connections)`,
  rounds: 2,
  appliesTo: () => true,
  async measure(ctx, kind, round) {
    const count = ctx.quick ? CAPACITY_QUICK : CAPACITY_FULL;
    const server = await ServerProcess.start(kind, ctx);
    try {
      const before = await server.gc();
      const rss0 = server.rss();
      const cpu0 = server.cpuMs();
      const io0 = server.syscalls();
      const gen0 = ctx.generators.reduce((sum, g) => sum + g.cpuMs(), 0);
      const results = await onEveryGenerator<IdleResult>(ctx.generators, count, (share, i) => ({
        cmd: 'idle',
        protocol: kind.protocol,
        port: server.port,
        count: share,
        prefix: `c${round}g${i}`,
        concurrency: 64,
      }));
      const cpu1 = server.cpuMs();
      const io1 = server.syscalls();
      const gen1 = ctx.generators.reduce((sum, g) => sum + g.cpuMs(), 0);
      const connected = results.reduce((a, r) => a + r.connected, 0);
      const failed = results.reduce((a, r) => a + r.failed, 0);
      if (failed > 0)
        ctx.progress(
          `  ${kind.id}: ${failed} connections failed: ${results.find((r) => r.firstError)?.firstError}`,
        );
      const after = await server.gc();
      const rss1 = server.rss();
      const metrics = {
        connected,
        failed,
        rssPerConnKiB: (rss1 - rss0) / connected / 1024,
        heapPerConnKiB:
          (after.heapUsed + after.external - before.heapUsed - before.external) / connected / 1024,
        connPerSec: connected / (Math.max(...results.map((r) => r.ms)) / 1000),
        cpuPerConnUs: ((cpu1 - cpu0) * 1000) / connected,
        // Counted, not timed: they hold on a busy machine, where connPerSec swings between rounds.
        readsPerConn: (io1.reads - io0.reads) / connected,
        writesPerConn: (io1.writes - io0.writes) / connected,
        // The generators (all on one core) do each protocol's client side: when their CPU per
        // connection nears the wall time per connection, they are the bound of connPerSec.
        generatorCpuPerConnUs: ((gen1 - gen0) * 1000) / connected,
        rssTotalMiB: rss1 / 1024 / 1024,
      };
      await Promise.all(ctx.generators.map((g) => g.run({ cmd: 'closeAll' })));
      return metrics;
    } finally {
      await server.stop();
    }
  },
};
