/**
 * The demo renews its TURN credentials from `/api/ice-servers` with the session's token as bearer
 * (the server refuses the endpoint without one). The page's clock is Playwright's, so the renewal
 * at 80 % of the 60 s TTL can be reached by jumping ahead instead of waiting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  haveBrowser,
  joinThroughUi,
  launchBrowser,
  openPage,
  sendChat,
  startDemoServer,
  waitForChannel,
  waitForChat,
} from './support/browser.js';

test(
  'the demo fetches fresh ICE servers with its session bearer before the TURN credentials expire',
  { timeout: 60_000 },
  async (t) => {
    if (!haveBrowser(t)) return;
    // Nothing listens at the TURN URL: host candidates carry this call; only the credentials matter.
    const { httpUrl } = await startDemoServer(t, {
      turnUrls: ['turn:127.0.0.1:9?transport=udp'],
      turnSecret: ['demo-renewal-secret'],
      turnTtl: 60,
    });
    const browser = await launchBrowser(t);
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const alice = await context.newPage();
    await alice.clock.install();
    await alice.goto(httpUrl);
    const bob = await openPage(browser, httpUrl);
    await joinThroughUi(alice, 'alice', 'renewal');
    await joinThroughUi(bob, 'bob', 'renewal');
    await waitForChannel(alice, 'bob');

    const renewal = alice.waitForResponse((r) => new URL(r.url()).pathname === '/api/ice-servers', {
      timeout: 15_000,
    });
    await alice.clock.fastForward(50_000);
    const response = await renewal;
    assert.equal(response.status(), 200);
    const authorization = response.request().headers().authorization ?? '';
    assert.match(authorization, /^Bearer \S+$/);
    const body = (await response.json()) as { iceServers: RTCIceServer[]; ttlSeconds: number };
    assert.equal(body.ttlSeconds, 60);
    assert.ok(
      body.iceServers.some((s) => s.username && s.credential),
      JSON.stringify(body),
    );

    // The bearer is what makes it work: the same request without it is refused.
    assert.equal((await fetch(`${httpUrl}/api/ice-servers`)).status, 401);
    assert.equal((await fetch(`${httpUrl}/api/ice-servers`, { headers: { authorization } })).status, 200);

    await sendChat(alice, 'still here after the renewal');
    await waitForChat(bob, 'alice', 'still here after the renewal');
  },
);
