// Held peers without sockets: the per-IP and node caps, the byte budget and its bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResumeRecord } from '../../src/backend/backend.js';
import { HeldSessions, type EvictionCause, type HeldLimits } from '../../src/core/held-sessions.js';
import { ReplayLog } from '../../src/core/replay-log.js';
import { frameFromText } from '../../protocol/frame.js';

const QUEUE = { maxMessages: 100, maxBytes: 100_000 };
const REPLAY = { maxFrames: 64, maxBytes: 128 * 1024 };

function record(peerId: string): ResumeRecord {
  return {
    peerId,
    username: peerId,
    usernameKey: peerId,
    roomId: 'r',
    allowedRooms: null,
    nodeId: 'n',
    tokenKey: `t-${peerId}`,
    aliasKey: null,
  };
}

function rig(limits: Partial<HeldLimits>) {
  const dropped: string[] = [];
  const evicted: Array<[string, EvictionCause]> = [];
  const held = new HeldSessions(
    QUEUE,
    { maxHeld: 1000, maxHeldPerIp: 1000, maxBytes: 1_000_000, ...limits },
    (_held, frame) => dropped.push(frame.text),
    (h, cause) => evicted.push([h.record.peerId, cause]),
  );
  const add = (id: string, ip = '10.0.0.1', replayed: string[] = []) =>
    held.add(record(id), new ReplayLog(REPLAY, 0, replayed.length, replayed), ip);
  return { held, dropped, evicted, add };
}

test('a new hold past the per-IP cap ends the oldest hold of that IP only', () => {
  const { held, evicted, add } = rig({ maxHeldPerIp: 2 });
  add('a1', 'ip-a');
  add('b1', 'ip-b');
  add('a2', 'ip-a');
  add('a3', 'ip-a');
  assert.deepEqual(evicted, [['a1', 'held-per-ip']]);
  assert.deepEqual(
    held.all().map((h) => h.record.peerId),
    ['b1', 'a2', 'a3'],
  );
});

test('a new hold past the node cap ends the oldest hold of the node', () => {
  const { held, evicted, add } = rig({ maxHeld: 2 });
  add('x', 'ip-a');
  add('y', 'ip-b');
  add('z', 'ip-c');
  assert.deepEqual(evicted, [['x', 'held-per-node']]);
  assert.equal(held.size().held, 2);
});

test('over the budget, the oldest queued frame of any held peer goes first; replay logs count too', () => {
  const frame = (n: number) => `{"type":"ICE_CANDIDATE","n":${n},"pad":"${'x'.repeat(70)}"}`;
  const size = Buffer.byteLength(frame(0));
  const { held, dropped, evicted, add } = rig({ maxBytes: 4 * size + 50 });
  add('a', 'ip', ['{"type":"PONG","id":"x"}']);
  add('b');
  held.enqueue('a', frameFromText(frame(1)));
  held.enqueue('a', frameFromText(frame(2)));
  held.enqueue('b', frameFromText(frame(3)));
  held.enqueue('b', frameFromText(frame(4)));
  assert.deepEqual(dropped, []);
  held.enqueue('b', frameFromText(frame(5)));
  held.enqueue('a', frameFromText(frame(6)));
  assert.deepEqual(dropped, [frame(1), frame(2)], "a's two oldest frames, then nothing of b's");
  assert.deepEqual(evicted, []);
  assert.ok(held.size().budgetBytes <= 4 * size + 50);
  assert.deepEqual(
    held.get('b')?.queue.frames.map((f) => f.text),
    [frame(3), frame(4), frame(5)],
  );
});

test('when only replay logs are left over the budget, the oldest holds end (never the new one)', () => {
  const big = `{"type":"SDP_OFFER","sdp":"${'x'.repeat(10_000)}"}`;
  const { held, evicted, add } = rig({ maxBytes: 25_000 });
  add('old', 'ip', [big]);
  add('mid', 'ip', [big]);
  add('new', 'ip', [big]);
  assert.deepEqual(evicted, [['old', 'held-memory']]);
  assert.equal(held.size().held, 2);
});

test('the budget forgets what left: stale entries are swept, bytes return to zero', () => {
  const { held, add } = rig({});
  // One peer keeps a frame queued throughout, so the order list is never empty.
  add('stays');
  held.enqueue('stays', frameFromText('{"type":"ICE_CANDIDATE","i":-1}'));
  for (let round = 0; round < 200; round++) {
    add(`p${round}`);
    for (let i = 0; i < 20; i++)
      held.enqueue(`p${round}`, frameFromText(`{"type":"ICE_CANDIDATE","i":${i}}`));
    if (round % 2 === 0) held.release(`p${round}`);
    else {
      const h = held.get(`p${round}`);
      if (h) held.remove(h);
    }
    assert.ok(held.size().budgetEntries <= 2 + 64 + 20, `${held.size().budgetEntries} entries kept`);
  }
  const stays = held.get('stays');
  assert.ok(stays);
  held.remove(stays);
  assert.deepEqual(held.size(), { held: 0, queued: 0, heldIps: 0, budgetBytes: 0, budgetEntries: 0 });
  assert.equal(stays.queue.owner, null, 'an ended hold is detached from its queue');
});
