// npm run soak -- [--clients 1000] [--duration 600]: the bounded soak and leak check of
// docs/reliability.md. Exits 1 when anything was left behind (maps, instances or bytes retained by
// the second round, handles, messages duplicated or reordered). `--json`: only the report, as one
// line of JSON (test/reliability/soak.test.ts runs it so, in a process of its own).
import { parseArgs } from 'node:util';
import { runSoak, soakFailures } from './soak/soak-run.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '0.5' },
    grace: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
  },
});
const clients = Number(values.clients);
const durationS = Number(values.duration);
if (!(clients >= 2 && clients <= 20_000 && durationS > 0 && durationS <= 3600)) {
  console.error('soak: --clients 2..20000 and --duration 1..3600 (seconds)');
  process.exit(2);
}
const report = await runSoak({
  clients,
  durationMs: durationS * 1000,
  rate: Number(values.rate),
  graceMs: Number(values.grace),
  log: values.json ? undefined : (line) => console.log(line),
});
if (values.json) {
  console.log(JSON.stringify(report));
  process.exit(0);
}
console.log(`messages: sent ${report.counts.sent}, received ${report.counts.received}`);
console.log(`counts: ${JSON.stringify(report.counts)}`);
console.log(`errors by code: ${JSON.stringify(report.errors)}`);
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
console.log(
  `heap after GC: start ${mib(report.heapStartBytes)}, after round 1 ${mib(report.heapMiddleBytes)}, after round 2 ${mib(report.heapEndBytes)}`,
);
console.log(
  `retained by round 2: ${report.retainedBytes} bytes (${JSON.stringify(report.secondRound)}); instances: ${JSON.stringify(report.retainedInstances)}; objects grown most: ${JSON.stringify(Object.fromEntries(Object.entries(report.retainedObjects).slice(0, 8)))}`,
);
console.log(
  `left behind: maps ${JSON.stringify(report.leftovers)}, handles ${JSON.stringify(report.extraHandles)}`,
);
console.log(`duplicated or reordered messages: ${report.orderViolations}`);
const failures = soakFailures(report);
for (const failure of failures) console.log(`soak: ${failure}`);
console.log(failures.length > 0 ? 'soak: FAILED' : 'soak: ok');
process.exit(failures.length > 0 ? 1 : 0);
