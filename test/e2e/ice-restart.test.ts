/**
 * ICE restart, for real: two SDK peers in Chromium pages can reach each other only through coturn
 * (`iceTransportPolicy: "relay"`). coturn is killed (SIGKILL: its allocations die with it) or
 * frozen (SIGSTOP), and later started again on the same port with the same secret; the old
 * relayed path is dead, and only new allocations, which an ICE restart makes, carry traffic. The
 * SDK must bring the same RTCPeerConnection back, and a new message must get through on the same
 * data channel:
 * - restarted on `failed` (coturn stays down until both sides report it, some 16 s after the kill);
 * - restarted after a `disconnected` that lasts (3 s here), well before `failed`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startCoturn, type Coturn } from '../ops/helpers/coturn.js';
import { haveBrowser } from './support/browser.js';
import { exchange, linkFacts, relayedPair, TURN_SECRET, type LinkFacts } from './support/relayed-peers.js';

/** The page clock's time when `page` first reported `state` at or after `since`, or null. */
function firstState(page: Page, state: string, since: number) {
  return page.evaluate(
    ([s, t0]) => window.ice.states.find((e) => e.state === s && e.at >= (t0 as number))?.at ?? null,
    [state, since] as const,
  );
}

// Each test as a whole, whatever its single waits add up to (failed comes some 16 s after the kill).
const HARD_TIMEOUT_MS = 60_000;

/** Wait (bounded) until `page`'s link is in `state`; on timeout, say what the page saw. */
async function untilState(page: Page, state: string, timeout: number, why: () => string): Promise<void> {
  await page
    .waitForFunction((s) => window.ice.states.some((e) => e.state === s), state, { timeout })
    .catch(async (err: Error) => {
      const seen = await page.evaluate(() => ({
        states: window.ice.states,
        ice: window.ice.mesh.peers()[0]?.pc.iceConnectionState,
        restarts: window.ice.restarts,
      }));
      throw new Error(`${err.message}: no "${state}"; page saw ${JSON.stringify(seen)}\n${why()}`);
    });
}

/** Wait until the link is connected again after `since`. */
async function untilReconnected(page: Page, since: number, why: () => string): Promise<void> {
  await page
    .waitForFunction((t0) => window.ice.states.some((e) => e.state === 'connected' && e.at > t0), since, {
      timeout: 20_000,
    })
    .catch(async (err: Error) => {
      const seen = await page.evaluate(() => ({ states: window.ice.states, restarts: window.ice.restarts }));
      throw new Error(`${err.message}: not connected again; page saw ${JSON.stringify(seen)}\n${why()}`);
    });
}

/**
 * After the outage: both links connect again, a new message goes each way, and each is still the
 * one RTCPeerConnection it was, with more ICE restarts than `before` and a relayed pair.
 */
/**
 * Both pages connected again on their first RTCPeerConnection, by ICE restart. `restartedBy`:
 * `each` when both sides must have restarted (both saw `failed`), `either` when one side's restart
 * may heal the other before its own timer fires (a restart renegotiates the pair for both).
 */
async function recoveredInPlace(
  pages: [Page, Page],
  before: LinkFacts[],
  brokenAt: number,
  coturn: Coturn,
  restartedBy: 'each' | 'either',
) {
  const [alice, bob] = pages;
  for (const page of pages) await untilReconnected(page, brokenAt, () => coturn.output().slice(-3000));
  await exchange(alice, bob, 'after the restart, from alice');
  await exchange(bob, alice, 'after the restart, from bob');
  const after = await Promise.all(pages.map(linkFacts));
  for (const [i, page] of pages.entries()) {
    const [b, a] = [before[i]!, after[i]!];
    assert.equal(a.links, 1);
    assert.equal(a.added, 1, 'no second link was created');
    assert.ok(a.samePc, 'the same RTCPeerConnection carries on');
    if (restartedBy === 'each') {
      assert.ok(a.iceRestarts > b.iceRestarts, `iceRestarts ${b.iceRestarts} -> ${a.iceRestarts}`);
    }
    assert.equal(await page.evaluate(() => window.ice.pairTypes()), 'relay/relay');
  }
  const restarted = after.filter((a, i) => a.iceRestarts > before[i]!.iceRestarts).length;
  assert.ok(restarted > 0, `no side restarted ICE: ${JSON.stringify(after)}`);
  return after;
}

test(
  'a relayed connection that fails (coturn killed, then restarted) comes back by ICE restart on the same RTCPeerConnection',
  { timeout: HARD_TIMEOUT_MS },
  async (t) => {
    if (!haveBrowser(t)) return;
    // Only `failed` may restart here: a restart after a lasting `disconnected` is the next test's case.
    const { coturn, alice, bob } = await relayedPair(t, 'ice-failed', { restartDisconnectedAfterMs: 0 });
    const before = await Promise.all([linkFacts(alice), linkFacts(bob)]);
    const brokenAt = await alice.evaluate(() => Date.now());
    await coturn.kill('SIGKILL');
    for (const page of [alice, bob]) await untilState(page, 'failed', 35_000, () => '');
    // Back on the same port with the same secret, but without the old allocations: only new ones,
    // which the ICE restart makes, carry traffic again.
    const second = await startCoturn(t, [TURN_SECRET], { port: coturn.port });
    const after = await recoveredInPlace([alice, bob], before, brokenAt, second, 'each');
    for (const [i, page] of [alice, bob].entries()) {
      const [b, a] = [before[i]!, after[i]!];
      assert.ok(a.restarts.length > 0 && a.restarts.every((r) => r === 'failed'), a.restarts.join());
      // Before restarting, the mesh renewed the TURN credentials from /api/ice-servers.
      assert.ok(a.renewals > b.renewals, `renewals ${b.renewals} -> ${a.renewals}`);
      const failedAt = (await firstState(page, 'failed', brokenAt))!;
      const connectedAt = (await firstState(page, 'connected', failedAt))!;
      t.diagnostic(
        `${i === 0 ? 'alice' : 'bob'}: failed ${failedAt - brokenAt} ms after the kill, connected ${connectedAt - failedAt} ms after failed; restarts ${a.restarts.join()}`,
      );
    }
  },
);

test(
  'a relayed connection left disconnected (coturn frozen) is restarted after 3 s of it, before it fails',
  { timeout: HARD_TIMEOUT_MS },
  async (t) => {
    if (!haveBrowser(t)) return;
    const { coturn, alice, bob } = await relayedPair(t, 'ice-disconnected', {
      restartDisconnectedAfterMs: 3000,
    });
    const before = await Promise.all([linkFacts(alice), linkFacts(bob)]);
    const brokenAt = await alice.evaluate(() => Date.now());
    // Frozen, coturn answers nothing and nothing tells the browsers: the relayed path is silent.
    coturn.freeze();
    for (const page of [alice, bob]) await untilState(page, 'disconnected', 20_000, () => '');
    // Once the SDK has begun its restart, coturn is replaced (same port and secret); only the new
    // allocations the restart asks for (its requests are retransmitted) can carry traffic.
    await alice.waitForFunction(() => window.ice.restarts.length > 0, undefined, { timeout: 10_000 });
    await coturn.kill('SIGKILL');
    const second = await startCoturn(t, [TURN_SECRET], { port: coturn.port });
    const after = await recoveredInPlace([alice, bob], before, brokenAt, second, 'either');
    for (const [i, page] of [alice, bob].entries()) {
      const a = after[i]!;
      // A side healed by the other's restart before its own 3 s passed has none of its own.
      assert.ok(
        a.restarts.every((r) => r === 'disconnected'),
        a.restarts.join(),
      );
      assert.equal(await firstState(page, 'failed', brokenAt), null, 'restarted before reaching "failed"');
      const disconnectedAt = (await firstState(page, 'disconnected', brokenAt))!;
      const connectedAt = (await firstState(page, 'connected', disconnectedAt))!;
      t.diagnostic(
        `${i === 0 ? 'alice' : 'bob'}: disconnected ${disconnectedAt - brokenAt} ms after the freeze, connected ${connectedAt - disconnectedAt} ms after that; restarts ${a.restarts.join()}`,
      );
    }
  },
);
