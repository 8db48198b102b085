/**
 * Glare: two SDK peers (the bundled sdk.js, in pages) offer at the same moment. A WebSocket
 * injected into each client holds its outgoing signals until both offers exist, so the collision
 * is certain rather than likely; perfect negotiation must still end with one working connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { NegotiationStats } from '../../client/peer-link.js';
import type { PeerMesh } from '../../client/peer-mesh.js';
import type { SignalingClient } from '../../client/signaling-client.js';
import { haveBrowser, launchBrowser, openPage, startDemoServer } from './support/browser.js';

declare global {
  interface Window {
    glare: {
      client: SignalingClient;
      mesh: PeerMesh;
      held: Array<() => void>;
      received: string[];
      mine: RTCDataChannel | null;
      release(): void;
    };
  }
}

// Plain JavaScript run in the page. It is a string because the test runner's transpiler would
// wrap a class written here with a helper (__name) that does not exist in the page.
const SDK_PEER = `async ({ name, room }) => {
  const sdk = await import('/sdk.js');
  const held = [];
  let holding = true;
  class HoldingSocket extends WebSocket {
    send(data) {
      if (holding && /"type":"(SDP_OFFER|SDP_ANSWER|ICE_CANDIDATE)"/.test(data)) held.push(() => super.send(data));
      else super.send(data);
    }
  }
  const client = new sdk.SignalingClient({ url: 'ws://' + location.host + '/ws', WebSocket: HoldingSocket });
  const mesh = new sdk.PeerMesh(client);
  const received = [];
  mesh.on('channel', ({ channel }) => {
    channel.onmessage = (event) => received.push(String(event.data));
  });
  window.glare = {
    client, mesh, held, received, mine: null,
    release() {
      holding = false;
      for (const send of held.splice(0)) send();
    },
  };
  await client.connect();
  await client.identify(name);
  await client.join(room);
  return client.peerId;
}`;

/** Load sdk.js into the page and join `room` as `name` with a signal-holding WebSocket. */
async function sdkPeer(page: Page, name: string, room: string): Promise<string> {
  return (await page.evaluate(`(${SDK_PEER})(${JSON.stringify({ name, room })})`)) as string;
}

test('simultaneous offers from two SDK peers end in one working connection', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const pageA = await openPage(browser, httpUrl);
  const pageB = await openPage(browser, httpUrl);
  const idA = await sdkPeer(pageA, 'glare-a', 'glare');
  const idB = await sdkPeer(pageB, 'glare-b', 'glare');
  for (const page of [pageA, pageB]) await page.waitForFunction(() => window.glare.mesh.peers().length === 1);

  // Both open a channel at once: each side makes an offer, and both offers are held back.
  await Promise.all([
    pageA.evaluate((to) => void (window.glare.mine = window.glare.mesh.createDataChannel(to, 'from-a')), idB),
    pageB.evaluate((to) => void (window.glare.mine = window.glare.mesh.createDataChannel(to, 'from-b')), idA),
  ]);
  for (const page of [pageA, pageB]) {
    await page.waitForFunction(() => window.glare.mesh.peers()[0]?.pc.signalingState === 'have-local-offer');
    await page.waitForFunction(() => window.glare.mesh.peers()[0]?.stats.offersSent === 1);
  }
  await Promise.all([
    pageA.evaluate(() => window.glare.release()),
    pageB.evaluate(() => window.glare.release()),
  ]);

  for (const [page, text] of [
    [pageA, 'hello from a'],
    [pageB, 'hello from b'],
  ] as const) {
    await page.waitForFunction(() => window.glare.mesh.peers()[0]?.pc.connectionState === 'connected');
    await page.waitForFunction(() => window.glare.mine?.readyState === 'open');
    await page.evaluate((m) => window.glare.mine?.send(m), text);
  }
  await pageA.waitForFunction(() => window.glare.received.includes('hello from b'));
  await pageB.waitForFunction(() => window.glare.received.includes('hello from a'));

  const stats = async (page: Page) =>
    page.evaluate(() => {
      const link = window.glare.mesh.peers()[0]!;
      return { polite: link.isPolite, links: window.glare.mesh.peers().length, ...link.stats };
    }) as Promise<NegotiationStats & { polite: boolean; links: number }>;
  const [a, b] = [await stats(pageA), await stats(pageB)];
  t.diagnostic(`A ${JSON.stringify(a)} B ${JSON.stringify(b)}`);
  assert.equal(a.links, 1);
  assert.equal(b.links, 1);
  assert.notEqual(a.polite, b.polite, 'exactly one side is polite');
  const [polite, impolite] = a.polite ? [a, b] : [b, a];
  assert.ok(
    impolite.collisions >= 1 && impolite.ignoredOffers >= 1,
    `impolite side: ${JSON.stringify(impolite)}`,
  );
  assert.ok(polite.collisions >= 1 && polite.rollbacks >= 1, `polite side: ${JSON.stringify(polite)}`);
});
