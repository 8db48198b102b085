/**
 * One timer for every new connection's identify timeout: entries expire in the order they were
 * added, each once; removed ones (identified, closed) never; emptied slots and compaction of the
 * queue lose nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdentifyDeadlines } from '../../src/core/identify-deadlines.js';

interface Entry {
  identifySlot: number;
  name: number;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('identify deadlines: expire in order, each once, never a removed one, not before their time', async () => {
  const expired: number[] = [];
  const at = new Map<number, number>();
  const deadlines = new IdentifyDeadlines<Entry>(40, (e) => {
    expired.push(e.name);
    at.set(e.name, performance.now());
  });
  const added = new Map<number, number>();
  const entries = Array.from({ length: 6 }, (_, name) => ({ identifySlot: -1, name }));
  for (const e of entries.slice(0, 3)) {
    added.set(e.name, performance.now()); // before add: its deadline is no earlier than this + 40
    deadlines.add(e);
  }
  await sleep(15);
  for (const e of entries.slice(3)) {
    added.set(e.name, performance.now()); // before add: its deadline is no earlier than this + 40
    deadlines.add(e);
  }
  deadlines.remove(entries[0]!); // the head: must not hold back the others
  deadlines.remove(entries[4]!);
  assert.equal(deadlines.size, 4);
  await until(() => expired.length === 4, 'four expiries');
  assert.deepEqual(expired, [1, 2, 3, 5]);
  for (const name of expired) assert.ok(at.get(name)! - added.get(name)! >= 40, `entry ${name} not early`);
  assert.ok(entries.every((e) => e.identifySlot === -1));
  assert.equal(deadlines.size, 0);
  await sleep(60);
  assert.equal(expired.length, 4, 'nothing expires twice');
});

test('identify deadlines: thousands of entries, most removed, across compactions', async () => {
  const expired: number[] = [];
  const deadlines = new IdentifyDeadlines<Entry>(30, (e) => expired.push(e.name));
  const kept: number[] = [];
  for (let round = 0; round < 3; round++) {
    const entries = Array.from({ length: 3000 }, (_, i) => ({ identifySlot: -1, name: round * 3000 + i }));
    // Two batches apart in time: the first expires alone, and the queue is compacted behind it.
    for (const e of entries.slice(0, 1500)) deadlines.add(e);
    await sleep(10);
    for (const e of entries.slice(1500)) deadlines.add(e);
    for (const e of entries) {
      if (e.name % 1000 === 7) kept.push(e.name);
      else deadlines.remove(e);
    }
    await until(() => expired.length === kept.length, `round ${round}`);
    deadlines.remove(entries[7]!); // already expired: a no-op
  }
  assert.deepEqual(expired, kept);
  assert.equal(deadlines.size, 0);
});
