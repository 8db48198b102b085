/**
 * The React bindings (signalroom/react) in Chromium, through examples/react: two pages join a
 * room, see each other's connection state, chat over a data channel opened by the mesh, and show
 * each other's camera (a fake device) through useLocalMedia and useRemoteTracks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startExampleServer, stopsCleanly } from '../examples/support/example-process.js';
import { haveBrowser, launchBrowser, openPage, screenshot } from './support/browser.js';

async function join(page: Page, name: string, room: string): Promise<void> {
  await page.getByTestId('name').fill(name);
  await page.getByTestId('room').fill(room);
  await page.getByTestId('join').click();
}

/** Wait until `page` lists `username` with this connection state and chat channel state. */
async function seesPeer(page: Page, username: string, state: string, chat: string): Promise<void> {
  await page
    .locator(
      `[data-testid="peers"] li[data-username="${username}"][data-state="${state}"][data-chat="${chat}"]`,
    )
    .waitFor();
}

test('signalroom/react: provider and hooks drive a room with chat and cameras', async (t) => {
  if (!haveBrowser(t)) return;
  const server = await startExampleServer(t, 'examples/serve-browser-app.mjs', {}, ['examples/react']);
  const browser = await launchBrowser(t, { fakeMedia: true });

  const alice = await openPage(browser, server.httpUrl);
  await join(alice, 'alice', 'studio');
  await alice.getByTestId('status').filter({ hasText: 'connected as alice in studio' }).waitFor();
  const bob = await openPage(browser, server.httpUrl);
  await join(bob, 'alice', 'studio');
  await bob.getByTestId('error').filter({ hasText: 'refused: USERNAME_TAKEN' }).waitFor();
  await join(bob, 'bob', 'studio');

  // usePeers: connection states; useDataChannel: the mesh's 'chat' channel, open both ways.
  await seesPeer(alice, 'bob', 'connected', 'open');
  await seesPeer(bob, 'alice', 'connected', 'open');
  await alice.getByTestId('message').fill('hello from react');
  await alice.getByTestId('send').click();
  await bob.getByTestId('log').getByText('alice: hello from react').waitFor();
  await bob.getByTestId('message').fill('hi alice');
  await bob.getByTestId('send').click();
  await alice.getByTestId('log').getByText('bob: hi alice').waitFor();
  await bob.getByTestId('log').getByText('me: hi alice').waitFor();

  // useLocalMedia on one side, useRemoteTracks on the other: frames of the fake camera arrive.
  await alice.getByTestId('camera').click();
  await bob.waitForFunction(() => {
    const video = document.querySelector<HTMLVideoElement>(
      '[data-testid="remote-video"][data-username="alice"]',
    );
    return video !== null && video.videoWidth > 0;
  });
  await screenshot(bob, 'react-example-bob');
  // Stopping the camera removes the track from the connection; the remote video goes away.
  await alice.getByTestId('camera').click();
  await bob.locator('[data-testid="remote-video"]').waitFor({ state: 'detached' });

  assert.equal(await alice.locator('[data-testid="peers"] li').count(), 1);
  await stopsCleanly(server);
});
