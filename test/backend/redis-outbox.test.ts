/**
 * The outbox's publish window (`--redis-batch-ms`) without Redis: after a quiet spell a record goes
 * out at once; what is sent within the window shares one publish, in the order it was sent. What
 * Redis saves by it is measured by the bench (docs/scaling.md, "What one publish costs").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { decodeBatch, relayRecord } from '../../src/backend/cluster-batch.js';
import { ClusterView } from '../../src/backend/cluster-view.js';
import type { RedisLink } from '../../src/backend/redis-connection.js';
import { Outbox } from '../../src/backend/redis-outbox.js';
import { RelayAcks } from '../../src/backend/relay-acks.js';

function rig(batchMs: number) {
  const published: Array<{ channel: string; text: string }> = [];
  const link = {
    publish: (channel: string, text: string) => {
      published.push({ channel, text });
      return Promise.resolve(1);
    },
  } as unknown as RedisLink;
  const view = new ClusterView();
  const acks = new RelayAcks({
    now: () => view.now(),
    isDead: () => false,
    graceMs: 100,
    nudge: () => undefined,
    report: () => undefined,
  });
  const outbox = new Outbox({
    from: 'n1',
    channel: (node) => `ch:${node}`,
    view,
    deadlineMs: 5000,
    stuckMs: 2000,
    batchMs,
    onUndelivered: () => undefined,
    acks,
    log: pino({ level: 'silent' }),
  });
  outbox.open(link);
  return { outbox, published };
}

const records = (text: string) =>
  decodeBatch(text)?.records.map((r) => (r.kind === 'relay' ? r.frame : r.kind));

test('outbox: the first record after a quiet spell goes out at once; the next ones share one publish within the window, in order', async (t) => {
  const { outbox, published } = rig(30);
  t.after(() => outbox.close());
  outbox.send('n2', relayRecord('r', 'p', 'f1'));
  assert.equal(published.length, 1, 'no wait after a quiet spell');
  assert.deepEqual(records(published[0]!.text), ['f1']);

  for (const frame of ['f2', 'f3', 'f4']) outbox.send('n2', relayRecord('r', 'p', frame));
  assert.equal(published.length, 1, 'held for the window');
  const until = Date.now() + 2000;
  while (published.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  assert.equal(published.length, 2, 'the window ended in one publish');
  assert.equal(published[1]!.channel, 'ch:n2');
  assert.deepEqual(records(published[1]!.text), ['f2', 'f3', 'f4']);
  assert.equal(decodeBatch(published[1]!.text)?.header.seq, 2);
});

test('outbox: close publishes what the window still holds', () => {
  const { outbox, published } = rig(1000);
  outbox.send('n2', relayRecord('r', 'p', 'f1'));
  outbox.send('n2', relayRecord('r', 'p', 'f2'));
  outbox.send('n3', relayRecord('r', 'q', 'g1'));
  assert.equal(published.length, 1);
  outbox.close();
  assert.deepEqual(
    published.map((p) => [p.channel, records(p.text)]),
    [
      ['ch:n2', ['f1']],
      ['ch:n2', ['f2']],
      ['ch:n3', ['g1']],
    ],
  );
});
