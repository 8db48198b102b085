/**
 * Acknowledgements of relays between nodes (src/backend/relay-acks.ts) without Redis: what is
 * kept, what an ack releases, and when the rest is reported. The crash itself, with real node
 * processes, is test/cluster/relay-crash.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, encodeBatch } from '../../src/backend/cluster-batch.js';
import { ACK_DELAY_MS, RelayAcks } from '../../src/backend/relay-acks.js';

function ack(upTo: number) {
  return { upTo, missing: [] };
}

function rig() {
  const state = { now: 1000, dead: new Set<string>() };
  const reports: Array<{ node: string; seq: number; relays: string[]; dead: boolean }> = [];
  const nudged: string[] = [];
  const acks = new RelayAcks({
    now: () => state.now,
    isDead: (node) => state.dead.has(node),
    graceMs: 100,
    nudge: (node) => nudged.push(node),
    report: (node, seq, relays, dead) => reports.push({ node, seq, relays, dead }),
  });
  return { acks, state, reports, nudged };
}

test('batch header: the ack rides along; a header without one (an older node) decodes without it', () => {
  const withAck = decodeBatch(encodeBatch({ from: 'n1', seq: 3, deadline: 99, ack: ack(41) }, []));
  assert.deepEqual(withAck, { header: { from: 'n1', seq: 3, deadline: 99, ack: ack(41) }, records: [] });
  const gaps = { upTo: 41, missing: [[3, 4] as const, [9, 9] as const] };
  const text = encodeBatch({ from: 'n1', seq: 3, deadline: 99, ack: gaps }, []);
  assert.equal(text, 'SR1 n1 3 99 41/3-4,9-9\n');
  assert.deepEqual(decodeBatch(text)?.header.ack, gaps);
  const older = decodeBatch('SR1 n1 3 99\n');
  assert.deepEqual(older, { header: { from: 'n1', seq: 3, deadline: 99 }, records: [] });
  assert.equal(decodeBatch('SR1 n1 3 99 x\n'), null);
});

test('an ack releases every batch up to it; the rest is reported after its deadline and grace', () => {
  const { acks, state, reports } = rig();
  acks.acked('b', ack(0)); // b acknowledges: it is tracked
  acks.sent('b', 1, 2000, ['r1']);
  acks.sent('b', 2, 2000, ['r2', 'r3']);
  acks.sent('b', 3, 3000, ['r4']);
  acks.sent('b', 4, 3000, []); // no relays: nothing to track
  acks.acked('b', ack(1));
  assert.deepEqual(acks.size().unackedBatches, 2);
  state.now = 2100; // the deadline of batch 2 plus the grace, not past it
  acks.sweep();
  assert.equal(reports.length, 0);
  state.now = 2101;
  acks.sweep();
  assert.deepEqual(reports, [{ node: 'b', seq: 2, relays: ['r2', 'r3'], dead: false }]);
  acks.acked('b', ack(3));
  assert.equal(acks.size().unackedBatches, 0);
});

test('a node declared dead: everything it did not acknowledge is reported at once, as dead', () => {
  const { acks, state, reports } = rig();
  acks.sent('c', 1, 9000, ['r1']);
  acks.sent('c', 2, 9000, ['r2']);
  acks.sweep();
  assert.equal(reports.length, 0);
  state.dead.add('c');
  acks.sweep();
  assert.deepEqual(
    reports.map((r) => [r.seq, r.dead]),
    [
      [1, true],
      [2, true],
    ],
  );
  acks.sent('d', 1, 9000, ['r9']);
  acks.forget('d'); // reaped: its numbering starts over
  assert.deepEqual(reports.at(-1), { node: 'd', seq: 1, relays: ['r9'], dead: true });
  assert.equal(acks.size().unackedBatches, 0);
});

test('a publish that failed was reported already: it is no longer tracked', () => {
  const { acks, state, reports } = rig();
  acks.sent('b', 1, 2000, ['r1']);
  acks.settled('b', 1);
  state.now = 10_000;
  acks.sweep();
  assert.equal(reports.length, 0);
});

test('a node whose batches carry no ack (an older version) is not tracked: no false reports in an upgrade', () => {
  const { acks, state, reports } = rig();
  acks.sent('old', 1, 2000, ['r1']);
  acks.acked('old', undefined);
  acks.sent('old', 2, 2000, ['r2']);
  state.now = 10_000;
  acks.sweep();
  assert.equal(reports.length, 0);
  // Upgraded: it acknowledges from now on, and is tracked again.
  acks.acked('old', ack(0));
  acks.sent('old', 3, 2000, ['r3']);
  acks.sweep();
  assert.equal(reports.length, 1);
});

test('the receiving side: a batch with relays is acknowledged within the ack delay, by a batch of its own if need be', async () => {
  const { acks, nudged } = rig();
  acks.processedBatch('a', 5, false);
  acks.processedBatch('x', 1, true);
  acks.processedBatch('a', 6, true);
  // A batch to x goes out meanwhile and carries the ack: no extra batch for x.
  assert.deepEqual(acks.ackFor('x'), ack(1));
  await new Promise((resolve) => setTimeout(resolve, ACK_DELAY_MS * 3));
  assert.deepEqual(nudged, ['a']);
  assert.deepEqual(acks.ackFor('a'), ack(6));
  // An older batch (overtaken) does not lower it; batch 1 starts a new stream.
  acks.processedBatch('a', 4, false);
  assert.deepEqual(acks.ackFor('a'), ack(6));
  acks.processedBatch('a', 1, false);
  assert.deepEqual(acks.ackFor('a'), ack(1));
  assert.equal(acks.size().acksOwed, 0);
});

test('a gap in a sender’s numbering is named in every ack, and the sender reports those batches', async () => {
  const receiver = rig();
  receiver.acks.processedBatch('a', 1, false);
  receiver.acks.processedBatch('a', 2, false);
  // 3 and 4 never arrived (Redis lost them): an ack is owed at once, even without relays.
  receiver.acks.processedBatch('a', 5, false);
  await new Promise((resolve) => setTimeout(resolve, ACK_DELAY_MS * 3));
  assert.deepEqual(receiver.nudged, ['a']);
  const sent = receiver.acks.ackFor('a');
  assert.deepEqual(sent, { upTo: 5, missing: [[3, 4]] });
  assert.deepEqual(receiver.acks.ackFor('a'), sent, 'repeated in the next header too');

  const sender = rig();
  for (let seq = 2; seq <= 5; seq++) sender.acks.sent('b', seq, 9000, [`r${seq}`]);
  sender.acks.acked('b', sent);
  assert.deepEqual(
    sender.reports.map((r) => r.relays),
    [['r3'], ['r4']],
  );
  assert.equal(sender.acks.size().unackedBatches, 0);
});

test('what a receiver keeps for a sender goes when that sender is declared dead', () => {
  const { acks, state } = rig();
  acks.processedBatch('a', 1, false);
  acks.processedBatch('a', 3, false); // a gap, and an ack owed
  assert.deepEqual(acks.size(), { unackedBatches: 0, acksOwed: 1, gapSenders: 1 });
  state.dead.add('a');
  acks.sweep();
  assert.deepEqual(acks.size(), { unackedBatches: 0, acksOwed: 0, gapSenders: 0 });
  assert.deepEqual(acks.ackFor('a'), ack(0));
});
