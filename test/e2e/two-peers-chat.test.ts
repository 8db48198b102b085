/** Two pages join one room through the demo UI, the data channel opens and chat goes both ways. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  externalRequests,
  haveBrowser,
  joinThroughUi,
  launchBrowser,
  openPage,
  screenshot,
  sendChat,
  startDemoServer,
  waitForChannel,
  waitForChat,
} from './support/browser.js';

test('two pages chat over a data channel; the room link is shareable; nothing leaves the server', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);

  const alice = await openPage(browser, httpUrl);
  await joinThroughUi(alice, 'alice', 'team sync');
  const link = await alice.getByTestId('share-link').inputValue();
  assert.equal(link, `${httpUrl}/?room=team%20sync`);
  assert.equal(await alice.getByTestId('connection-status').getAttribute('data-state'), 'connected');

  // Bob arrives through the shared link: the room is filled in from the URL.
  const bob = await openPage(browser, link);
  assert.equal(await bob.getByTestId('room-input').inputValue(), 'team sync');
  await joinThroughUi(bob, 'bob');

  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');
  await alice.locator('[data-testid="peer-item"][data-username="bob"][data-state="connected"]').waitFor();
  await bob.locator('[data-testid="peer-item"][data-username="alice"][data-state="connected"]').waitFor();

  await sendChat(alice, 'hello bob <b>not bold</b>');
  await waitForChat(bob, 'alice', 'hello bob <b>not bold</b>');
  await sendChat(bob, 'hi alice 👋');
  await waitForChat(alice, 'bob', 'hi alice 👋');
  // User text is rendered as text: the markup arrives as characters, not as an element.
  assert.equal(await bob.locator('[data-testid="chat-log"] b').count(), 0);

  await screenshot(alice, 'two-peers-alice');
  await screenshot(bob, 'two-peers-bob');
  assert.deepEqual(externalRequests(alice), []);
  assert.deepEqual(externalRequests(bob), []);
});

test('the room view fits a phone-sized screen', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const phone = await openPage(browser, `${httpUrl}/?room=pocket`, { width: 375, height: 740 });
  await joinThroughUi(phone, 'mobile-user');
  await sendChat(phone, 'typing on a small screen');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  assert.ok(await phone.getByTestId('chat-input').isVisible());
  assert.ok(await phone.getByTestId('camera-toggle').isVisible());
  await screenshot(phone, 'phone');
});
