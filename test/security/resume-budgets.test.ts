/**
 * A reconnect does not reset the limits: a session's message and room-change budgets follow it
 * across a resume, so a flooder that drops its connection and resumes gets no fresh burst (it
 * used to: every resume started full buckets). The cluster version, a resume through another
 * node, is test/cluster/resume-budgets.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { waitUntil } from '../reliability/resume-helpers.js';
import { BUDGET_LIMITS, assertNoFreshBurst, messageFlood, roomChangeFlood } from './budget-scenario.js';
import { restoreBudgets, saveBudgets } from '../../src/core/session-budgets.js';
import { takeMessageToken, type RateLimits } from '../../src/core/rate-limit.js';
import { Session } from '../../src/core/session.js';

async function limitedServer(t: Parameters<typeof startServer>[0]) {
  return startServer(t, {
    maxMessagesPerSecond: BUDGET_LIMITS.messagesPerSecond,
    messageBurst: BUDGET_LIMITS.messageBurst,
    maxRoomChangesPerSecond: BUDGET_LIMITS.roomChangesPerSecond,
    roomChangeBurst: BUDGET_LIMITS.roomChangeBurst,
  });
}

test('flood, drop, resume: the message budget is not refilled, RATE_LIMITED comes as early as without the drop', async (t) => {
  const { server, wsUrl } = await limitedServer(t);
  const held = () => waitUntil(() => server.core.stats().held === 1, 'the server holds the flooder');
  const outcome = await messageFlood(t, wsUrl, wsUrl, held);
  assert.ok(outcome.refused > 0, 'the flood after the resume was refused');
  assertNoFreshBurst(outcome, BUDGET_LIMITS.messagesPerSecond, 'messages');
});

test('switch rooms, drop, resume: the room-change budget is not refilled', async (t) => {
  const { server, wsUrl } = await limitedServer(t);
  const held = () => waitUntil(() => server.core.stats().held === 1, 'the server holds the switcher');
  const outcome = await roomChangeFlood(t, wsUrl, wsUrl, held);
  assert.ok(outcome.refused > 0, 'the joins after the resume were refused');
  assertNoFreshBurst(outcome, BUDGET_LIMITS.roomChangesPerSecond, 'room changes');
});

const LIMITS: RateLimits = { messagesPerSecond: 10, burst: 20, maxInvalid: 20, invalidWindowMs: 5000 };

test('restored budgets count the time held as refill, and charge what the new connection sent before', () => {
  const t0 = 1_000_000;
  const old = new Session(null as never, null as never, null as never);
  for (let i = 0; i < 20; i++) assert.equal(takeMessageToken(old, t0, LIMITS), 'accept');
  assert.equal(takeMessageToken(old, t0, LIMITS), 'drop');
  const saved = saveBudgets(old);
  // Compact: one flat array of numbers; six of them times (13 digits each), the rest short.
  assert.ok(JSON.stringify(saved).length <= 150, JSON.stringify(saved));

  // The new connection sent its IDENTIFY 300 ms later (a full bucket of its own); resumed at 500 ms.
  const fresh = new Session(null as never, null as never, null as never);
  assert.equal(takeMessageToken(fresh, t0 + 300, LIMITS), 'accept');
  restoreBudgets(fresh, saved, t0 + 500, LIMITS);
  // 500 ms at 10/s refilled 5 tokens; the IDENTIFY took one: 4 left, the fifth is dropped.
  for (let i = 0; i < 4; i++)
    assert.equal(takeMessageToken(fresh, t0 + 500, LIMITS), 'accept', `message ${i}`);
  assert.equal(takeMessageToken(fresh, t0 + 500, LIMITS), 'drop');
  // The strikes of the flooding episode came along too.
  assert.equal(fresh.strikes, 2);
});

test('a saved time ahead of this clock (another node ahead) counts as now: no negative refill, no bonus', () => {
  const old = new Session(null as never, null as never, null as never);
  for (let i = 0; i < 20; i++) takeMessageToken(old, 2_000_000, LIMITS);
  const fresh = new Session(null as never, null as never, null as never);
  restoreBudgets(fresh, saveBudgets(old), 1_999_000, LIMITS);
  assert.equal(fresh.tokensAt, 1_999_000);
  assert.equal(takeMessageToken(fresh, 1_999_000, LIMITS), 'drop');
  assert.equal(takeMessageToken(fresh, 1_999_100, LIMITS), 'accept');
});
