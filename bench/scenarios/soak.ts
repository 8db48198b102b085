/**
 * soak: sustained closed-loop relay through signalroom until millions of messages went through,
 * comparing the heap after a full GC at the start and the end (memory must stay flat).
 */
import { ServerProcess } from '../lib/processes.js';
import type { RelayResult } from '../load/relay-driver.js';
import { onEveryGenerator, type Scenario } from './scenario.js';

/** Messages a full run relays. */
export const SOAK_MESSAGES = 5_000_000;

/** The soak scenario (signalroom only). */
export const soakScenario: Scenario = {
  id: 'soak',
  title: `Memory under sustained relay (${(SOAK_MESSAGES / 1e6).toFixed(0)} M messages)`,
  rounds: 1,
  appliesTo: (kind) => kind.id === 'signalroom',
  async measure(ctx, kind) {
    const target = ctx.quick ? 200_000 : SOAK_MESSAGES;
    const capMs = ctx.quick ? 20_000 : 300_000;
    const server = await ServerProcess.start(kind, ctx);
    try {
      await onEveryGenerator(ctx.generators, 50, (pairs, i) => ({
        cmd: 'pairs',
        protocol: kind.protocol,
        port: server.port,
        pairs,
        prefix: `soak${i}`,
      }));
      const chunk = async (ms: number) => {
        const rs = await Promise.all(
          ctx.generators.map((g) => g.run<RelayResult>({ cmd: 'closed', durationMs: ms, window: 4 })),
        );
        return rs.reduce((a, r) => a + r.received, 0);
      };
      let relayed = await chunk(2000);
      const start = await server.gc();
      const t0 = Date.now();
      while (relayed < target && Date.now() - t0 < capMs) {
        relayed += await chunk(5000);
        ctx.progress(`  soak: ${(relayed / 1e6).toFixed(2)} M relayed`);
      }
      const end = await server.gc();
      await Promise.all(ctx.generators.map((g) => g.run({ cmd: 'closeAll' })));
      return {
        relayed,
        heapStartMiB: start.heapUsed / 1024 / 1024,
        heapEndMiB: end.heapUsed / 1024 / 1024,
        heapGrowthKiB: (end.heapUsed - start.heapUsed) / 1024,
        rssEndMiB: end.rss / 1024 / 1024,
      };
    } finally {
      await server.stop();
    }
  },
};
