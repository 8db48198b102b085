/**
 * The soak in small (`npm run soak` is the big one): 200 SDK clients churn for 30 s (SOAK_CLIENTS,
 * SOAK_MS); afterwards the server holds nothing, its heap after GC is within 10 % of the start,
 * no timer or socket is left, and no message was duplicated or reordered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../scripts/soak/soak-run.js';

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 200);
const DURATION_MS = Number(process.env.SOAK_MS ?? 30_000);

test(`soak: ${CLIENTS} clients churn for ${DURATION_MS / 1000} s and leave nothing behind`, async () => {
  const report = await runSoak({ clients: CLIENTS, durationMs: DURATION_MS });
  console.log(
    `soak: ${JSON.stringify(report.counts)} errors ${JSON.stringify(report.errors)} heap ${(report.heapGrowth * 100).toFixed(1)} %`,
  );
  assert.deepEqual(report.leftovers, {}, 'server maps not empty');
  assert.deepEqual(report.extraHandles, {}, 'timers or sockets left');
  assert.equal(report.orderViolations, 0, 'messages duplicated or reordered');
  assert.ok(report.heapGrowth <= 0.1, `heap grew ${(report.heapGrowth * 100).toFixed(1)} %`);
  // The run did churn: every kind of action happened, and drops were resumed.
  for (const kind of ['sent', 'received', 'joins', 'leaves', 'drops', 'resumes', 'expiries', 'quits'])
    assert.ok((report.counts[kind] ?? 0) > 0, `no ${kind}`);
  const unexpected = Object.keys(report.errors).filter((code) => code !== 'UNKNOWN_PEER');
  assert.deepEqual(unexpected, [], `errors: ${JSON.stringify(report.errors)}`);
});
