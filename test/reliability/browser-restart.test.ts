/**
 * A real server process restarts (SIGTERM, then a new process on the same port) under two headless
 * Chromium pages in a room of the demo: both show "reconnecting", their data channel keeps
 * working while the server is down, both come back (rejoined), each confirms its new peer id to
 * the other over the connection they kept, and afterwards they renegotiate that connection to
 * start video with the fake camera.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildDemo } from '../../scripts/build-demo.mjs';
import {
  haveBrowser,
  launchBrowser,
  pagesInRoom,
  screenshot,
  sendChat,
  waitForChannel,
  waitForChat,
} from '../e2e/support/browser.js';
import { startServerProcess } from './server-process.js';

const status = (page: Page, state: string) =>
  page.locator(`[data-testid="connection-status"][data-state="${state}"]`).waitFor();

test('server restart: pages come back, the data channel survives, video starts afterwards', async (t) => {
  if (!haveBrowser(t)) return;
  const demo = await buildDemo(join(tmpdir(), `signalroom-restart-demo-${process.pid}`));
  const first = await startServerProcess(t, ['--static-dir', demo]);
  const browser = await launchBrowser(t, { fakeMedia: true });
  const [alice, bob] = (await pagesInRoom(browser, first.httpUrl, 'restart', ['alice', 'bob'])) as [
    Page,
    Page,
  ];
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');
  await sendChat(alice, 'before the restart');
  await waitForChat(bob, 'alice', 'before the restart');
  // Mark each page's entry for the other peer: a kept connection keeps its entry and takes the
  // peer's new id (rekeyed); a fresh one would replace it.
  const idsBefore = new Map<Page, string | null>();
  for (const page of [alice, bob]) {
    const item = page.getByTestId('peer-item');
    await item.evaluate((el) => el.setAttribute('data-before-restart', ''));
    idsBefore.set(page, await item.getAttribute('data-peer-id'));
  }

  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  await status(alice, 'reconnecting');
  await status(bob, 'reconnecting');
  // Peer to peer, the server is not needed.
  await sendChat(bob, 'while the server is down');
  await waitForChat(alice, 'bob', 'while the server is down');

  await startServerProcess(t, ['--static-dir', demo, '--port', String(first.port)]);
  await status(alice, 'connected');
  await status(bob, 'connected');
  for (const page of [alice, bob]) {
    await page
      .locator('[data-testid="chat-log"]', { hasText: 'Reconnected to the server and rejoined the room.' })
      .waitFor();
  }
  await sendChat(alice, 'after the restart');
  await waitForChat(bob, 'alice', 'after the restart');
  await sendChat(bob, 'still here');
  await waitForChat(alice, 'bob', 'still here');
  // One entry per peer, the one from before, now under the peer's new id: the kept connection was
  // handed over once the peer confirmed its new id over that connection.
  for (const page of [alice, bob]) {
    await page
      .locator(`[data-testid="peer-item"][data-before-restart]:not([data-peer-id="${idsBefore.get(page)}"])`)
      .waitFor();
    assert.equal(await page.locator('[data-testid="peer-item"]').count(), 1);
  }

  // Renegotiation through the new server: video over the connection that was kept.
  await alice.getByTestId('camera-toggle').click();
  const video = '[data-testid="video-tile"][data-local="false"][data-peer="alice"] video';
  await bob.waitForFunction(
    (selector) => {
      const v = (
        globalThis as unknown as { document: { querySelector(s: string): unknown } }
      ).document.querySelector(selector) as { videoWidth: number; currentTime: number } | null;
      return v !== null && v.videoWidth > 0 && v.currentTime > 0.5;
    },
    video,
    { timeout: 30_000 },
  );
  await screenshot(bob, 'restart-bob');
});
