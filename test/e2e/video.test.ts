/** With Chromium's fake camera, each of two pages plays the other's video; stopping it removes the tile. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  haveBrowser,
  launchBrowser,
  pagesInRoom,
  screenshot,
  startDemoServer,
  waitForChannel,
} from './support/browser.js';

const remoteVideo = (from: string) =>
  `[data-testid="video-tile"][data-local="false"][data-peer="${from}"] video`;

/** Wait until the remote video from `from` has a size and its frames and clock move on. */
async function waitForPlayingVideo(page: Page, from: string): Promise<void> {
  const selector = remoteVideo(from);
  await page.waitForFunction((s) => {
    const video = document.querySelector<HTMLVideoElement>(s);
    return video !== null && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 0;
  }, selector);
  const start = await page.evaluate((s) => {
    const video = document.querySelector<HTMLVideoElement>(s)!;
    return { frames: video.getVideoPlaybackQuality().totalVideoFrames, time: video.currentTime };
  }, selector);
  await page.waitForFunction(
    ({ s, frames, time }) => {
      const video = document.querySelector<HTMLVideoElement>(s)!;
      return video.getVideoPlaybackQuality().totalVideoFrames > frames + 5 && video.currentTime > time;
    },
    { s: selector, ...start },
  );
}

test('each page plays the video of the other; camera off removes it on the other side', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t, { fakeMedia: true });
  const [alice, bob] = (await pagesInRoom(browser, httpUrl, 'video', ['alice', 'bob'])) as [Page, Page];
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');
  assert.equal(await alice.getByTestId('video-grid').isVisible(), false, 'camera is off by default');

  await alice.getByTestId('camera-toggle').click();
  await bob.getByTestId('camera-toggle').click();
  await waitForPlayingVideo(bob, 'alice');
  await waitForPlayingVideo(alice, 'bob');
  assert.equal(await alice.getByTestId('camera-toggle').getAttribute('aria-pressed'), 'true');
  await screenshot(alice, 'video-alice');

  await alice.getByTestId('camera-toggle').click();
  await bob.locator(remoteVideo('alice')).waitFor({ state: 'detached' });
  await alice.locator('[data-testid="video-tile"][data-local="true"]').waitFor({ state: 'detached' });
  // Bob's camera still reaches Alice after the renegotiation.
  await waitForPlayingVideo(alice, 'bob');
});
