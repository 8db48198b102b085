/**
 * The soak in small (`npm run soak` is the big one): 200 SDK clients churn in two rounds of 15 s
 * (SOAK_CLIENTS, SOAK_MS for both); after each the server holds nothing. What the second round
 * leaves behind is what the work retains (the first one warmed up code, pools and caches at full
 * size): no instance of a signalroom, ws or net class more than after the first round, and under
 * RETAINED_BYTES_LIMIT of live objects more, from heap snapshots; no timer or socket left, no
 * message duplicated or reordered.
 *
 * It runs in a process of its own: the test runner's async hook keeps a map of every async
 * resource whose table doubles and halves as they come and go (±450 KiB between two points).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { soakFailures, type SoakReport } from '../../scripts/soak/soak-run.js';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const DURATION_MS = Number(process.env.SOAK_MS ?? 30_000);

test(`soak: ${CLIENTS} clients churn for ${DURATION_MS / 1000} s and leave nothing behind`, async (t) => {
  const args = ['--clients', String(CLIENTS), '--duration', String(DURATION_MS / 1000), '--grace', '2000'];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'scripts/soak.ts', ...args, '--json'],
    { timeout: DURATION_MS + 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const report = JSON.parse(stdout) as SoakReport;
  const round2 = report.secondRound;
  t.diagnostic(
    `soak: ${JSON.stringify(report.counts)} errors ${JSON.stringify(report.errors)}; round 2 ${JSON.stringify(round2)} left ${report.retainedBytes} bytes (${(report.retainedBytes / Math.max(1, round2.actions ?? 0)).toFixed(1)} per action), instances ${JSON.stringify(report.retainedInstances)}`,
  );
  assert.deepEqual(soakFailures(report), []);
  // The run did churn: every kind of action happened in the measured round, and drops were resumed.
  for (const kind of ['sent', 'received', 'joins', 'leaves', 'drops', 'resumes', 'expiries', 'quits'])
    assert.ok((round2[kind] ?? 0) > 0, `no ${kind} in round 2`);
  const unexpected = Object.keys(report.errors).filter((code) => code !== 'UNKNOWN_PEER');
  assert.deepEqual(unexpected, [], `errors: ${JSON.stringify(report.errors)}`);
});
