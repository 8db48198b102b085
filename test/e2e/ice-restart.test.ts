/**
 * ICE restart, for real: two SDK peers in Chromium pages can reach each other only through coturn
 * (`iceTransportPolicy: "relay"`). coturn is killed (SIGKILL: its allocations die with it) and
 * started again on the same port with the same secret; the relayed path stays broken until the
 * peers allocate anew, which only an ICE restart does (left alone, the connection goes from
 * `disconnected` to `failed` some 16 s after the kill). The SDK must bring the same
 * RTCPeerConnection back, and a new message must get through on the same data channel:
 * - restarted on `failed` (coturn stays down until both sides report it);
 * - restarted after a `disconnected` that lasts (coturn is back at once), before `failed`.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { PeerMesh, PeerMeshOptions } from '../../client/peer-mesh.js';
import { startCoturn, type Coturn } from '../ops/helpers/coturn.js';
import { haveBrowser, launchBrowser, openPage, startDemoServer } from './support/browser.js';

declare global {
  interface Window {
    ice: {
      mesh: PeerMesh;
      states: Array<{ state: string; at: number }>;
      received: string[];
      added: number;
      restarts: string[];
      renewals: number;
      channel: RTCDataChannel | null;
      firstPc: RTCPeerConnection | null;
      pairTypes(): Promise<string | null>;
    };
  }
}

const SECRET = 'ice-restart-secret-5d1f';

// Plain JavaScript run in the page (see glare.test.ts for why it is a string).
const SDK_PEER = `async ({ name, room, meshOptions }) => {
  const sdk = await import('/sdk.js');
  const client = new sdk.SignalingClient({ url: 'ws://' + location.host + '/ws' });
  const mesh = new sdk.PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    rtcConfiguration: { iceTransportPolicy: 'relay' },
    ...meshOptions,
  });
  const ice = { mesh, states: [], received: [], added: 0, restarts: [], renewals: 0, channel: null, firstPc: null };
  mesh.on('ice-restart', ({ reason }) => ice.restarts.push(reason));
  mesh.on('ice-servers', () => { ice.renewals += 1; });
  mesh.on('peer-added', ({ link }) => { ice.added += 1; ice.firstPc ??= link.pc; });
  mesh.on('peer-state', ({ state }) => ice.states.push({ state, at: Date.now() }));
  mesh.on('channel', ({ channel }) => {
    ice.channel = channel;
    channel.onmessage = (event) => ice.received.push(String(event.data));
  });
  // The candidate types of the selected pair, e.g. "relay/relay".
  ice.pairTypes = async () => {
    const stats = await mesh.peers()[0].pc.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    return pair ? stats.get(pair.localCandidateId).candidateType + '/' + stats.get(pair.remoteCandidateId).candidateType : null;
  };
  window.ice = ice;
  await client.connect();
  await client.identify(name);
  await client.join(room);
}`;

async function sdkPeer(page: Page, name: string, room: string, meshOptions: PeerMeshOptions): Promise<void> {
  await page.evaluate(`(${SDK_PEER})(${JSON.stringify({ name, room, meshOptions })})`);
}

/** Wait for `page`'s channel to be open, send `text` from `from`, and see it arrive on `to`. */
async function exchange(from: Page, to: Page, text: string): Promise<void> {
  await from.waitForFunction(() => window.ice.channel?.readyState === 'open', undefined, { timeout: 20_000 });
  await from.evaluate((m) => window.ice.channel?.send(m), text);
  await to.waitForFunction((m) => window.ice.received.includes(m), text, { timeout: 10_000 });
}

/** Two relay-only SDK peers connected through a real coturn, with a message each way. */
async function relayedPair(t: TestContext, room: string, meshOptions: PeerMeshOptions = {}) {
  const coturn = await startCoturn(t, [SECRET]);
  const { httpUrl } = await startDemoServer(t, {
    turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
    turnSecret: [SECRET],
  });
  const browser = await launchBrowser(t);
  const alice = await openPage(browser, httpUrl);
  const bob = await openPage(browser, httpUrl);
  await sdkPeer(alice, 'alice', room, meshOptions);
  await sdkPeer(bob, 'bob', room, meshOptions);
  await exchange(alice, bob, 'before the outage, from alice');
  await exchange(bob, alice, 'before the outage, from bob');
  for (const page of [alice, bob])
    assert.equal(await page.evaluate(() => window.ice.pairTypes()), 'relay/relay');
  return { coturn, alice, bob };
}

/** What a page knows of its link: how many, whether it is still the first RTCPeerConnection, its restarts. */
interface LinkFacts {
  links: number;
  added: number;
  samePc: boolean;
  iceRestarts: number;
  restarts: string[];
  renewals: number;
}

function linkFacts(page: Page): Promise<LinkFacts> {
  return page.evaluate(() => {
    const links = window.ice.mesh.peers();
    return {
      links: links.length,
      added: window.ice.added,
      samePc: links[0]?.pc === window.ice.firstPc,
      iceRestarts: links[0]?.stats.iceRestarts ?? -1,
      restarts: window.ice.restarts.slice(),
      renewals: window.ice.renewals,
    };
  });
}

/** The page clock's time when `page` first reported `state` at or after `since`, or null. */
function firstState(page: Page, state: string, since: number) {
  return page.evaluate(
    ([s, t0]) => window.ice.states.find((e) => e.state === s && e.at >= (t0 as number))?.at ?? null,
    [state, since] as const,
  );
}

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
async function recoveredInPlace(pages: [Page, Page], before: LinkFacts[], brokenAt: number, coturn: Coturn) {
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
    assert.ok(a.iceRestarts > b.iceRestarts, `iceRestarts ${b.iceRestarts} -> ${a.iceRestarts}`);
    assert.equal(await page.evaluate(() => window.ice.pairTypes()), 'relay/relay');
  }
  return after;
}

test('a relayed connection that fails (coturn killed, then restarted) comes back by ICE restart on the same RTCPeerConnection', async (t) => {
  if (!haveBrowser(t)) return;
  // Only `failed` may restart here: a restart after a lasting `disconnected` is the next test's case.
  const { coturn, alice, bob } = await relayedPair(t, 'ice-failed', { restartDisconnectedAfterMs: 0 });
  const before = await Promise.all([linkFacts(alice), linkFacts(bob)]);
  const brokenAt = await alice.evaluate(() => Date.now());
  await coturn.kill('SIGKILL');
  for (const page of [alice, bob]) await untilState(page, 'failed', 45_000, () => '');
  // Back on the same port with the same secret, but without the old allocations: only new ones,
  // which the ICE restart makes, carry traffic again.
  const second = await startCoturn(t, [SECRET], { port: coturn.port });
  const after = await recoveredInPlace([alice, bob], before, brokenAt, second);
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
});

test('a relayed connection that stays disconnected (coturn restarted without its allocations) is restarted before it fails', async (t) => {
  if (!haveBrowser(t)) return;
  const { coturn, alice, bob } = await relayedPair(t, 'ice-disconnected', {
    restartDisconnectedAfterMs: 3000,
  });
  const before = await Promise.all([linkFacts(alice), linkFacts(bob)]);
  const brokenAt = await alice.evaluate(() => Date.now());
  // Killed and at once started again: coturn answers, but the relayed path needs new allocations.
  await coturn.kill('SIGKILL');
  const second = await startCoturn(t, [SECRET], { port: coturn.port });
  for (const page of [alice, bob]) await untilState(page, 'disconnected', 20_000, () => '');
  const after = await recoveredInPlace([alice, bob], before, brokenAt, second);
  for (const [i, page] of [alice, bob].entries()) {
    const a = after[i]!;
    assert.ok(a.restarts.includes('disconnected'), a.restarts.join());
    assert.equal(await firstState(page, 'failed', brokenAt), null, 'restarted before reaching "failed"');
    const disconnectedAt = (await firstState(page, 'disconnected', brokenAt))!;
    const connectedAt = (await firstState(page, 'connected', disconnectedAt))!;
    t.diagnostic(
      `${i === 0 ? 'alice' : 'bob'}: disconnected ${disconnectedAt - brokenAt} ms after the kill, connected ${connectedAt - disconnectedAt} ms after that; restarts ${a.restarts.join()}`,
    );
  }
});
