/**
 * A full mesh under the default limits loses no signal: peers join one room one after another,
 * each joiner sends every member an offer and 5 candidates over 500 ms, every member answers with
 * an answer and 5 candidates (bench/load/mesh-join.ts). With the message limit alone (50/s, burst
 * 200) the late joiners of a 50-peer room lost hundreds of signals; the signal budget grows with
 * the room (relay-budget.ts), so none is refused, at 50 peers and at 100 with a room limit of 100.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meshJoin } from '../../bench/load/mesh-join.js';
import { startServer } from '../helpers/test-server.js';

for (const [peers, config] of [
  [50, {}],
  [100, { maxPeersPerRoom: 100 }],
] as const) {
  test(`a ${peers}-peer mesh joining one after another: every signal delivered, none refused`, async (t) => {
    const { wsUrl } = await startServer(t, config);
    const result = await meshJoin({ url: wsUrl, peers, prefix: `m${peers}`, timeoutMs: 60_000 });
    t.diagnostic(
      `${peers} peers: ${result.delivered} of ${result.expected} signals in ${Math.round(result.ms)} ms, errors ${JSON.stringify(result.errors)}`,
    );
    assert.deepEqual(result.errors, {});
    assert.equal(result.closed, 0);
    assert.equal(result.peers, peers);
    assert.equal(result.delivered, result.expected);
  });
}
