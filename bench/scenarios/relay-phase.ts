/** A relay phase run on every load generator at once, with the results of all of them together. */
import type { Generator } from '../lib/processes.js';
import type { GeneratorCommand } from '../load/generator.js';
import type { RelayResult } from '../load/relay-driver.js';
import { onEveryGenerator } from './scenario.js';

/** What one phase relayed, summed over the generators. */
export interface RelayPhaseResult {
  sent: number;
  received: number;
  /** The slowest generator's time. */
  elapsedMs: number;
  latencies: number[];
}

/** Run `command` on every generator, each given its share of `rate` (open loop; 0 for a closed loop). */
export async function relayPhase(
  generators: Generator[],
  command: (rateShare: number) => GeneratorCommand,
  rate = 0,
): Promise<RelayPhaseResult> {
  const results = await onEveryGenerator<RelayResult>(generators, rate, command);
  return {
    sent: results.reduce((a, r) => a + r.sent, 0),
    received: results.reduce((a, r) => a + r.received, 0),
    elapsedMs: Math.max(...results.map((r) => r.elapsedMs)),
    latencies: results.flatMap((r) => r.latencies),
  };
}
