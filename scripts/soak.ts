// npm run soak -- [--clients 1000] [--duration 600]: the bounded soak and leak check of
// docs/reliability.md. Exits 1 when anything was left behind (maps, heap growth over 10 %, handles,
// messages duplicated or reordered).
import { parseArgs } from 'node:util';
import { runSoak } from './soak/soak-run.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '0.5' },
    grace: { type: 'string', default: '10000' },
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
  log: (line) => console.log(line),
});
console.log(`messages: sent ${report.counts.sent}, received ${report.counts.received}`);
console.log(`counts: ${JSON.stringify(report.counts)}`);
console.log(`errors by code: ${JSON.stringify(report.errors)}`);
console.log(
  `heap after GC: ${(report.heapStartBytes / 1048576).toFixed(1)} MiB → ${(report.heapEndBytes / 1048576).toFixed(1)} MiB (${(report.heapGrowth * 100).toFixed(1)} %)`,
);
console.log(
  `left behind: maps ${JSON.stringify(report.leftovers)}, handles ${JSON.stringify(report.extraHandles)}`,
);
console.log(`duplicated or reordered messages: ${report.orderViolations}`);
const failed =
  Object.keys(report.leftovers).length > 0 ||
  Object.keys(report.extraHandles).length > 0 ||
  report.heapGrowth > 0.1 ||
  report.orderViolations > 0;
console.log(failed ? 'soak: FAILED' : 'soak: ok');
process.exit(failed ? 1 : 0);
