/**
 * `npm run bench` — signalroom against its baselines, alternating servers round by round.
 *   --quick            short smoke run (one round, small counts)
 *   --report           also regenerate docs/performance.md (and its SVG chart)
 *   --only a,b         scenarios to run (relay, capacity, storm, mesh, churn, cross-node, redis, soak)
 *   --servers a,b      servers to run (signalroom, raw, naive, peerjs, and `against` with --against)
 *   --rounds N         rounds per scenario (default: each scenario's own; 1 with --quick)
 *   --against DIR      also run the signalroom of another checkout (A/B of a change)
 *   --generators N     load generator processes (default 3)
 *   --profile          write a V8 CPU profile of every server to bench/results/profiles/
 *   --report-from FILE rewrite docs/performance.md from a saved results JSON (no run)
 *   --help             this text, with every scenario's id and title
 * Results: a table on stdout and bench/results/<time>.json (git-ignored).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { describeMachine } from './lib/machine.js';
import { Generator, canPin } from './lib/processes.js';
import { SERVERS, type ServerKind } from './lib/servers.js';
import { fmt, medians, rows, verdicts, type RunData } from './lib/summary.js';
import { writeReport, type RunResult } from './report/markdown.js';
import { SCENARIOS } from './scenarios/index.js';
import { CAPACITY_FULL } from './scenarios/capacity.js';
import type { BenchContext } from './scenarios/scenario.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    report: { type: 'boolean', default: false },
    only: { type: 'string' },
    servers: { type: 'string' },
    rounds: { type: 'string' },
    against: { type: 'string' },
    generators: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    'report-from': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const usage = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0] ?? '';
  console.log(usage.replace(/^\/\*\*\n|^ \* ?/gm, '').trimEnd());
  console.log('\nScenarios (--only):');
  for (const s of SCENARIOS) console.log(`  ${s.id.padEnd(11)} ${s.title}`);
  process.exit(0);
}

const SERVER_CORE = 0;
const GENERATOR_CORE = 1;
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s`;
const progress = (line: string) => console.log(`[${elapsed()}] ${line}`);

const kinds: ServerKind[] = Object.values(SERVERS);
if (args.against) {
  kinds.splice(1, 0, {
    ...SERVERS.signalroom,
    id: 'against' as never,
    label: `signalroom (${args.against})`,
    entry: `${args.against}/bench/servers/signalroom.ts`,
  });
}
const wantedServers = args.servers?.split(',');
const servers = kinds.filter((k) => !wantedServers || wantedServers.includes(k.id));
const scenarios = SCENARIOS.filter((s) => !args.only || args.only.split(',').includes(s.id));

async function main(): Promise<void> {
  if (args['report-from']) {
    writeReport(JSON.parse(readFileSync(args['report-from'], 'utf8')) as RunResult);
    progress(`docs/performance.md regenerated from ${args['report-from']}`);
    return;
  }
  const machine = describeMachine();
  progress(
    `bench: ${args.quick ? 'quick' : 'full'} run of ${scenarios.map((s) => s.id).join(', ')} on ${servers.map((s) => s.id).join(', ')}` +
      ` (${machine.cores} cores, load ${machine.loadAverageAtStart.join(' ')}, ${canPin ? `server on core ${SERVER_CORE}, generators on core ${GENERATOR_CORE}` : 'not pinned: taskset missing'})`,
  );
  const generators = await Promise.all(
    Array.from({ length: Number(args.generators) }, () => Generator.start(canPin ? GENERATOR_CORE : null)),
  );
  const ctx: BenchContext = {
    quick: args.quick ?? false,
    generators,
    serverCore: canPin ? SERVER_CORE : null,
    serverEnv: {},
    serverArgs: args.profile ? ['--cpu-prof', '--cpu-prof-dir=bench/results/profiles'] : [],
    progress,
  };
  const data: RunData = {};
  try {
    for (const scenario of scenarios) {
      const rounds = Number(args.rounds ?? (args.quick ? 1 : scenario.rounds));
      const targets = servers.filter((k) => scenario.appliesTo(k));
      const perServer: RunData[string] = (data[scenario.id] = {});
      for (let round = 1; round <= rounds; round++) {
        // A B A B: every server once per round, so slow drifts of a busy machine hit all alike.
        // Each round starts one server later (A B C, B C A, …), so no server always runs first.
        const offset = (round - 1) % targets.length;
        for (const kind of [...targets.slice(offset), ...targets.slice(0, offset)]) {
          progress(`${scenario.id}: round ${round}/${rounds}, ${kind.id}`);
          const metrics = await scenario.measure(ctx, kind, round);
          const into = (perServer[kind.id] ??= {});
          for (const [name, value] of Object.entries(metrics)) (into[name] ??= []).push(value);
          progress(`  ${summarise(scenario.id, metrics)}`);
        }
      }
    }
  } finally {
    await Promise.all(generators.map((g) => g.stop()));
  }
  const m = medians(data);
  const expected = args.quick ? 2000 : CAPACITY_FULL;
  printTable(m, expected);
  mkdirSync('bench/results', { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const result: RunResult = {
    startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
    durationS: Math.round((performance.now() - started) / 1000),
    quick: ctx.quick,
    machine,
    servers: servers.map((s) => s.id),
    rounds: data,
    medians: m,
    verdicts: verdicts(m, expected),
  };
  const file = `bench/results/${stamp}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  progress(`results written to ${file}`);
  if (args.report) {
    writeReport(result);
    progress('docs/performance.md and docs/performance-latency.svg regenerated');
  }
}

function summarise(scenario: string, m: Record<string, number>): string {
  const pick = (k: string, d = 1) => `${k}=${fmt(m[k], d)}`;
  switch (scenario) {
    case 'relay':
      return [
        pick('cpuPerMsgUs'),
        pick('writesPerMsg', 2),
        pick('throughput', 0),
        pick('cpuPerMsgUs_1000'),
        pick('p99_1000', 2),
        pick('cpuPerMsgUs_5000'),
        pick('p99_5000', 2),
        pick('cpuPerMsgUs_20000'),
        pick('p99_20000', 2),
        pick('max_20000', 1),
        pick('gcMs_20000', 0),
        pick('gcMaxMs_20000', 1),
        pick('lost_20000', 0),
      ].join(' ');
    case 'capacity':
      return [
        pick('connected', 0),
        pick('rssPerConnKiB', 2),
        pick('heapPerConnKiB', 2),
        pick('connPerSec', 0),
        pick('cpuPerConnUs', 0),
        pick('readsPerConn', 2),
        pick('writesPerConn', 2),
      ].join(' ');
    case 'storm':
      return [
        pick('consistentMs', 0),
        pick('lastMembersMs', 0),
        pick('serverCpuMs', 0),
        pick('generatorCpuMs', 0),
        pick('serverWrites', 0),
        pick('incomplete', 0),
        pick('anomalies', 0),
      ].join(' ');
    case 'churn':
      return [pick('sessions', 0), pick('failed', 0), pick('cpuPerSessionUs', 0)].join(' ');
    default:
      return Object.keys(m)
        .map((k) => pick(k))
        .join(' ');
  }
}

function printTable(m: ReturnType<typeof medians>, expected: number): void {
  const head = ['metric (median)', ...servers.map((s) => s.id), 'vs raw', 'vs PeerJS'];
  const lines = [head];
  for (const r of rows(m)) {
    const sr = r.values.signalroom;
    const ratio = (b: number | undefined) =>
      r.ratios && sr !== undefined && b ? `${(sr / b).toFixed(2)}×` : '';
    lines.push([
      `${r.label}${r.unit ? ` (${r.unit})` : ''}`,
      ...servers.map((s) => fmt(r.values[s.id], r.digits)),
      ratio(r.values.raw),
      ratio(r.values.peerjs),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  console.log('');
  for (const l of lines)
    console.log(l.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('\nTargets (issue 16):');
  for (const v of verdicts(m, expected)) {
    console.log(`  ${v.met === null ? ' ?  ' : v.met ? 'met ' : 'MISS'} ${v.target}: ${v.measured}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
