import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { haveBrowser, launchBrowser } from '../e2e/support/browser.js';
import { startServer } from '../helpers/test-server.js';
import { startCoturn } from './helpers/coturn.js';
import { buildRelayPage } from './helpers/relay-page.js';

const SECRET = 'relay-test-secret-9c2e';

type RTCPeerConnectionLike = {
  connectionState: string;
  iceConnectionState: string;
  iceGatheringState: string;
};

type PageWindow = {
  relayRun(name: string, room: string): Promise<unknown>;
  received: string[];
  selectedPair(): Promise<{ local: string; remote: string; relayProtocol: string | null } | null>;
};

test('two Chromium pages with iceTransportPolicy "relay" connect through coturn and exchange a message', async (t) => {
  if (!haveBrowser(t)) return;
  const coturn = await startCoturn(t, [SECRET]);
  const staticDir = await buildRelayPage();
  t.after(() => rmSync(staticDir, { recursive: true, force: true }));
  const { httpUrl } = await startServer(t, {
    staticDir,
    turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
    turnSecret: [SECRET],
  });
  const browser = await launchBrowser(t);
  const pages = [];
  for (const name of ['alice', 'bob']) {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${name} page error] ${err.message}`));
    await page.goto(`${httpUrl}/relay.html`);
    await page.waitForFunction(() => typeof (globalThis as unknown as PageWindow).relayRun === 'function');
    const iceServers = await page.evaluate(
      ([n, room]) => (globalThis as unknown as PageWindow).relayRun(n as string, room as string),
      [name, 'relay-room'],
    );
    assert.ok(JSON.stringify(iceServers).includes(`turn:127.0.0.1:${coturn.port}`), 'TURN from AUTH_SUCCESS');
    pages.push(page);
  }
  const [alice, bob] = pages as [(typeof pages)[0], (typeof pages)[0]];
  const firstMessage = (page: typeof alice) =>
    page
      .waitForFunction(() => (globalThis as unknown as PageWindow).received.length > 0, undefined, {
        timeout: 30_000,
      })
      .then(() => page.evaluate(() => (globalThis as unknown as PageWindow).received[0]))
      .catch(async (err: Error) => {
        // Say where it stopped: the peer connection's states and what coturn logged.
        const state = await page.evaluate(() => {
          const pc = (globalThis as unknown as { links: { pc: RTCPeerConnectionLike }[] }).links[0]?.pc;
          return pc
            ? `${pc.connectionState}/${pc.iceConnectionState}/${pc.iceGatheringState}`
            : 'no peer link';
        });
        throw new Error(`${err.message}; peer connection ${state}\n${coturn.output().slice(-2000)}`);
      });
  assert.equal(await firstMessage(alice), 'hello from bob');
  assert.equal(await firstMessage(bob), 'hello from alice');
  for (const page of [alice, bob]) {
    const pair = await page.evaluate(() => (globalThis as unknown as PageWindow).selectedPair());
    assert.deepEqual(
      pair,
      { local: 'relay', remote: 'relay', relayProtocol: 'udp' },
      coturn.output().slice(-2000),
    );
  }
});
