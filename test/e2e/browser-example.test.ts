/**
 * examples/browser-esbuild in Chromium: the example's own server bundles the SDK with esbuild;
 * two pages identify (one retrying after a taken name), join a room and chat over a data channel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startExampleServer, stopsCleanly } from '../examples/support/example-process.js';
import { haveBrowser, launchBrowser, openPage } from './support/browser.js';

async function join(page: Page, name: string, room: string): Promise<void> {
  await page.getByTestId('name').fill(name);
  await page.getByTestId('room').fill(room);
  await page.getByTestId('join').click();
}

test('examples/browser-esbuild: two pages join a room and chat; a taken name can be retried', async (t) => {
  if (!haveBrowser(t)) return;
  const server = await startExampleServer(t, 'examples/serve-browser-app.mjs', {}, [
    'examples/browser-esbuild',
  ]);
  const browser = await launchBrowser(t);
  const alice = await openPage(browser, server.httpUrl);
  await join(alice, 'alice', 'garden');
  await alice
    .getByTestId('status')
    .filter({ hasText: /^connected$/ })
    .waitFor();

  const bob = await openPage(browser, server.httpUrl);
  await join(bob, 'alice', 'garden');
  await bob.getByTestId('status').filter({ hasText: 'refused: USERNAME_TAKEN' }).waitFor();
  await join(bob, 'bob', 'garden');

  for (const [page, other] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const)
    await page.locator(`[data-testid="peers"] li[data-username="${other}"][data-channel="open"]`).waitFor();
  await alice.getByTestId('message').fill('hello from the esbuild example');
  await alice.getByTestId('send').click();
  await bob.getByTestId('log').getByText('alice: hello from the esbuild example').waitFor();
  assert.equal(await bob.getByTestId('status').textContent(), 'connected');
  await stopsCleanly(server);
});
