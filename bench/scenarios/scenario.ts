/** What a bench scenario is, and the context the runner gives it. */
import type { Generator } from '../lib/processes.js';
import type { GeneratorCommand } from '../load/generator.js';
import type { ServerKind } from '../lib/servers.js';

/** Numbers one measurement produced, by metric name. */
export type Metrics = Record<string, number>;

/** Shared by every scenario of one bench run. */
export interface BenchContext {
  quick: boolean;
  generators: Generator[];
  /** Core of the server under test (null: not pinned). */
  serverCore: number | null;
  /** Extra environment for every server (e.g. to switch an optional module off). */
  serverEnv: Record<string, string>;
  /** Extra node flags for every server (e.g. --cpu-prof). */
  serverArgs: string[];
  /** Print a progress line. */
  progress(line: string): void;
}

/** One scenario: measures one server once per call; the runner alternates servers and rounds. */
export interface Scenario {
  id: string;
  title: string;
  /** Rounds in a full run (quick runs do one). */
  rounds: number;
  appliesTo(kind: ServerKind): boolean;
  measure(ctx: BenchContext, kind: ServerKind, round: number): Promise<Metrics>;
}

/** Split `total` into `parts` near-equal whole shares. */
function shares(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

/** Run one command on every generator, each with its near-equal share (`share`) of `total`. */
export function onEveryGenerator<T = unknown>(
  generators: Generator[],
  total: number,
  command: (share: number, index: number) => GeneratorCommand,
): Promise<T[]> {
  const parts = shares(total, generators.length);
  return Promise.all(generators.map((g, i) => g.run<T>(command(parts[i] ?? 0, i))));
}
