/**
 * churn: short whole sessions at a steady rate. A pair connects, identifies, joins its own room,
 * relays a few messages each way and leaves. Server CPU per session (one peer's life).
 */
import { ServerProcess } from '../lib/processes.js';
import type { ChurnResult } from '../load/sessions.js';
import { onEveryGenerator, type Scenario } from './scenario.js';

/** Pairs started per second in the whole run. */
export const CHURN_PAIRS_PER_SEC = 100;
const MESSAGES_EACH = 4;

/** The churn scenario. */
export const churnScenario: Scenario = {
  id: 'churn',
  title: `Churn (${CHURN_PAIRS_PER_SEC} pairs/s: connect, identify, join, relay ${MESSAGES_EACH} each, leave)`,
  rounds: 3,
  appliesTo: () => true,
  async measure(ctx, kind, round) {
    const durationMs = ctx.quick ? 2000 : 5000;
    const server = await ServerProcess.start(kind, ctx);
    try {
      const cpu0 = server.cpuMs();
      const results = await onEveryGenerator<ChurnResult>(
        ctx.generators,
        CHURN_PAIRS_PER_SEC,
        (share, i) => ({
          cmd: 'churn',
          protocol: kind.protocol,
          port: server.port,
          prefix: `ch${round}g${i}-`,
          pairsPerSec: share,
          durationMs,
          messages: MESSAGES_EACH,
          maxInFlight: 200,
        }),
      );
      const cpu1 = server.cpuMs();
      const completed = results.reduce((a, r) => a + r.completed, 0);
      const failed = results.reduce((a, r) => a + r.failed, 0);
      if (failed > 0)
        ctx.progress(
          `  ${kind.id}: ${failed} sessions failed: ${results.find((r) => r.firstError)?.firstError}`,
        );
      return {
        sessions: completed * 2,
        failed: failed * 2,
        cpuPerSessionUs: ((cpu1 - cpu0) * 1000) / (completed * 2),
        sessionMedianMs: Math.max(...results.map((r) => r.sessionMedianMs)),
      };
    } finally {
      await server.stop();
    }
  },
};
