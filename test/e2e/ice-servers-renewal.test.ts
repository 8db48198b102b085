/**
 * TURN credentials past `--turn-ttl`, in the browser: the mesh renews them from `/api/ice-servers`
 * with the session's bearer and hands them to the live RTCPeerConnection (`setConfiguration`),
 * which stays connected through coturn (60 s, the shortest TTL, renewed at 5 % of it).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { credentialsExpireAt } from '../../client/ice-servers.js';
import { haveBrowser } from './support/browser.js';
import { exchange, linkFacts, relayedPair } from './support/relayed-peers.js';

/** The TURN credentials the page's connection is configured with now. */
function configuredTurn(page: Page): Promise<RTCIceServer[]> {
  return page.evaluate(() => window.ice.mesh.peers()[0]!.pc.getConfiguration().iceServers ?? []);
}

test(
  'the mesh renews TURN credentials before they expire, with the bearer, on the live connection',
  { timeout: 60_000 },
  async (t) => {
    if (!haveBrowser(t)) return;
    const { alice, bob } = await relayedPair(
      t,
      'ice-renew',
      { iceServersRefreshRatio: 0.05 },
      { turnTtl: 60 },
    );
    const calls: Array<{ authorization: string | undefined; status: number }> = [];
    alice.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/ice-servers')
        calls.push({ authorization: response.request().headers().authorization, status: response.status() });
    });
    const firstExpiry = credentialsExpireAt(await configuredTurn(alice))!;
    const renewalsBefore = (await linkFacts(alice)).renewals;

    // 5 % of 60 s: a renewal about every 3 s.
    await alice.waitForFunction((n) => window.ice.renewals >= n + 2, renewalsBefore, { timeout: 20_000 });
    const renewedExpiry = credentialsExpireAt(await configuredTurn(alice))!;
    assert.ok(renewedExpiry > firstExpiry, `expiry ${firstExpiry} -> ${renewedExpiry}`);
    const bearer = await alice.evaluate(() => window.ice.client.apiToken);
    assert.ok(bearer, 'the session has a bearer token');
    assert.ok(calls.length >= 2, JSON.stringify(calls));
    for (const call of calls) assert.deepEqual(call, { authorization: `Bearer ${bearer}`, status: 200 });

    // The renewal touched nothing that works: same connection, no restart, messages still pass.
    const facts = await linkFacts(alice);
    assert.equal(facts.added, 1);
    assert.ok(facts.samePc);
    assert.equal(facts.iceRestarts, 0);
    await exchange(alice, bob, 'after the renewal, from alice');
    await exchange(bob, alice, 'after the renewal, from bob');
  },
);
