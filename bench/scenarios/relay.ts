/**
 * relay: P pairs, each in its own room, exchanging ~250-byte candidates and ~4 KB SDPs (9:1).
 * Closed loop for the saturation throughput and the headline server CPU per relayed message;
 * open loop at fixed offered rates for one-way latency.
 */
import { ServerProcess } from '../lib/processes.js';
import { max, quantile } from '../lib/stats.js';
import { relayPhase } from './relay-phase.js';
import { onEveryGenerator, type Metrics, type Scenario } from './scenario.js';

/** The offered rates of the open-loop phases (messages per second, whole run). */
export const OPEN_RATES = [1000, 5000, 20000] as const;

const PAIRS = 50;
const WINDOW = 4;

/** The relay scenario. */
export const relayScenario: Scenario = {
  id: 'relay',
  title: 'Relay (50 pairs, 90% candidates / 10% SDPs)',
  rounds: 3,
  appliesTo: () => true,
  async measure(ctx, kind, round) {
    const closedMs = ctx.quick ? 2000 : 5000;
    const openMs = ctx.quick ? 1500 : 4000;
    const server = await ServerProcess.start(kind, ctx);
    try {
      await onEveryGenerator(ctx.generators, PAIRS, (pairs, i) => ({
        cmd: 'pairs',
        protocol: kind.protocol,
        port: server.port,
        pairs,
        prefix: `g${i}r${round}`,
      }));
      // Warm-up: let the JIT settle before measuring.
      await relayPhase(ctx.generators, () => ({
        cmd: 'closed',
        durationMs: ctx.quick ? 500 : 1500,
        window: WINDOW,
      }));
      const m: Metrics = {};
      const cpu0 = server.cpuMs();
      const io0 = server.syscalls();
      const closed = await relayPhase(ctx.generators, () => ({
        cmd: 'closed',
        durationMs: closedMs,
        window: WINDOW,
      }));
      const cpu1 = server.cpuMs();
      const io1 = server.syscalls();
      m.writesPerMsg = (io1.writes - io0.writes) / closed.received;
      m.readsPerMsg = (io1.reads - io0.reads) / closed.received;
      m.cpuPerMsgUs = ((cpu1 - cpu0) * 1000) / closed.received;
      m.throughput = closed.received / (closed.elapsedMs / 1000);
      m.serverCpuShare = (cpu1 - cpu0) / closed.elapsedMs;
      m.lostClosed = closed.sent - closed.received;
      for (const rate of OPEN_RATES) {
        await server.gcPauses();
        const c0 = server.cpuMs();
        const open = await relayPhase(
          ctx.generators,
          (share) => ({ cmd: 'open', durationMs: openMs, rate: share }),
          rate,
        );
        const c1 = server.cpuMs();
        const gc = await server.gcPauses();
        m[`gcMs_${rate}`] = gc.totalMs;
        m[`gcMaxMs_${rate}`] = gc.maxMs;
        m[`p50_${rate}`] = quantile(open.latencies, 0.5);
        m[`p99_${rate}`] = quantile(open.latencies, 0.99);
        m[`max_${rate}`] = max(open.latencies);
        m[`achieved_${rate}`] = open.received / (openMs / 1000);
        m[`lost_${rate}`] = open.sent - open.received;
        m[`cpuPerMsgUs_${rate}`] = ((c1 - c0) * 1000) / open.received;
      }
      await Promise.all(ctx.generators.map((g) => g.run({ cmd: 'closeAll' })));
      return m;
    } finally {
      await server.stop();
    }
  },
};
