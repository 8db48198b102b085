/**
 * Without TURN the demo joins cleanly: no error in the browser console, no failed request. It used
 * to ask /api/ice-servers on every join, which answers 404 when TURN is not configured.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  haveBrowser,
  joinThroughUi,
  launchBrowser,
  sendChat,
  startDemoServer,
  waitForChannel,
  waitForChat,
} from './support/browser.js';

interface Watched {
  page: Page;
  /** Console errors and responses of 400 or more, as text. */
  problems: string[];
  /** Every request to /api/ice-servers. */
  iceRequests: string[];
}

/** A page in its own context, watched from before it loads. */
async function watchedPage(browser: Browser, url: string): Promise<Watched> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const watched: Watched = { page, problems: [], iceRequests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watched.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => watched.problems.push(`page error: ${err.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) watched.problems.push(`HTTP ${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/ice-servers') watched.iceRequests.push(request.url());
  });
  await page.goto(url);
  return watched;
}

test('without TURN, joining the demo logs no console error and asks no ICE servers endpoint', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  assert.equal((await fetch(`${httpUrl}/api/ice-servers`)).status, 404, 'no endpoint without TURN');
  const browser = await launchBrowser(t);
  const alice = await watchedPage(browser, httpUrl);
  const bob = await watchedPage(browser, httpUrl);
  await joinThroughUi(alice.page, 'alice', 'quiet');
  await joinThroughUi(bob.page, 'bob', 'quiet');
  await waitForChannel(alice.page, 'bob');
  await waitForChannel(bob.page, 'alice');
  await sendChat(bob.page, 'all quiet');
  await waitForChat(alice.page, 'bob', 'all quiet');
  for (const { problems, iceRequests } of [alice, bob]) {
    assert.deepEqual(problems, []);
    assert.deepEqual(iceRequests, []);
  }
});
