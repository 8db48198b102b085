/**
 * Two SDK peers (the bundled sdk.js, in pages of the demo server) that can reach each other only
 * through a real coturn (`iceTransportPolicy: "relay"`), with what the tests look at in the page:
 * connection states with times, ICE restarts and their reasons, ICE server renewals, the chat channel.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { PeerMesh, PeerMeshOptions } from '../../../client/peer-mesh.js';
import type { SignalingClient } from '../../../client/signaling-client.js';
import type { Config } from '../../../src/config.js';
import { startCoturn } from '../../ops/helpers/coturn.js';
import { launchBrowser, openPage, startDemoServer } from './browser.js';

declare global {
  interface Window {
    ice: {
      client: SignalingClient;
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

/** coturn's secret, shared with the signaling server. */
export const TURN_SECRET = 'relayed-peers-secret-5d1f';

// Plain JavaScript run in the page (see glare.test.ts for why it is a string).
const SDK_PEER = `async ({ name, room, meshOptions }) => {
  const sdk = await import('/sdk.js');
  const client = new sdk.SignalingClient({ url: 'ws://' + location.host + '/ws' });
  const mesh = new sdk.PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    rtcConfiguration: { iceTransportPolicy: 'relay' },
    ...meshOptions,
  });
  const ice = { client, mesh, states: [], received: [], added: 0, restarts: [], renewals: 0, channel: null, firstPc: null };
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

/** Load sdk.js into `page` and join `room` as `name`, relay-only. */
async function sdkPeer(page: Page, name: string, room: string, meshOptions: PeerMeshOptions): Promise<void> {
  await page.evaluate(`(${SDK_PEER})(${JSON.stringify({ name, room, meshOptions })})`);
}

/** Wait for `page`'s channel to be open, send `text` from `from`, and see it arrive on `to`. */
export async function exchange(from: Page, to: Page, text: string): Promise<void> {
  await from.waitForFunction(() => window.ice.channel?.readyState === 'open', undefined, { timeout: 20_000 });
  await from.evaluate((m) => window.ice.channel?.send(m), text);
  await to.waitForFunction((m) => window.ice.received.includes(m), text, { timeout: 10_000 });
}

/** Two relay-only SDK peers connected through a real coturn, with a message each way. */
export async function relayedPair(
  t: TestContext,
  room: string,
  meshOptions: PeerMeshOptions = {},
  serverConfig: Partial<Config> = {},
) {
  const coturn = await startCoturn(t, [TURN_SECRET]);
  const { httpUrl } = await startDemoServer(t, {
    turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
    turnSecret: [TURN_SECRET],
    ...serverConfig,
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
export interface LinkFacts {
  links: number;
  added: number;
  samePc: boolean;
  iceRestarts: number;
  restarts: string[];
  renewals: number;
}

/** The {@link LinkFacts} of `page` now. */
export function linkFacts(page: Page): Promise<LinkFacts> {
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
