/** The page says "Reconnecting…" while the server is away, and the room works again once it is back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  haveBrowser,
  launchBrowser,
  pagesInRoom,
  screenshot,
  sendChat,
  startDemoServer,
  waitForChannel,
  waitForChat,
} from './support/browser.js';

test('a server restart shows "Reconnecting…", then both pages are back in the room and chat again', async (t) => {
  if (!haveBrowser(t)) return;
  const first = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const [alice, bob] = (await pagesInRoom(browser, first.httpUrl, 'sturdy', ['alice', 'bob'])) as [
    Page,
    Page,
  ];
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');

  await first.server.close();
  for (const page of [alice, bob]) {
    await page.locator('[data-testid="connection-status"][data-state="reconnecting"]').waitFor();
    assert.equal((await page.getByTestId('connection-status').textContent())?.trim(), 'Reconnecting…');
  }
  await screenshot(alice, 'reconnecting');

  await startDemoServer(t, { port: first.port });
  for (const page of [alice, bob]) {
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor();
    await page.getByTestId('notice').filter({ hasText: 'Reconnected' }).waitFor();
  }
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');
  await sendChat(alice, 'we are back');
  await waitForChat(bob, 'alice', 'we are back');
  await sendChat(bob, 'indeed');
  await waitForChat(alice, 'bob', 'indeed');
});
