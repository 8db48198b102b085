/**
 * Takes docs/screenshot.png for the README: three people in a room, two cameras on, a chat and a
 * file transfer, seen by one of them (dark theme). Run with `npm run screenshot`.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { buildDemo } from '../../../scripts/build-demo.mjs';
import { startServer } from '../../helpers/test-server.js';

const staticDir = await buildDemo(join(tmpdir(), `signalroom-screenshot-${process.pid}`));
const running = await startServer(null, { staticDir });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--allow-loopback-in-peer-connection',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
  ],
});

async function person(name: string): Promise<Page> {
  const context = await browser.newContext({
    permissions: ['camera', 'microphone'],
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(`${running.httpUrl}/?room=design-review`);
  await page.getByTestId('username-input').fill(name);
  await page.getByTestId('join-button').click();
  await page.getByTestId('room-name').waitFor();
  return page;
}

async function say(page: Page, text: string, others: Page[], from: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
  for (const other of others) {
    await other.locator(`[data-testid="chat-message"][data-from="${from}"]`, { hasText: text }).waitFor();
  }
}

try {
  const ada = await person('Ada');
  const grace = await person('Grace');
  const linus = await person('Linus');
  for (const [page, others] of [
    [ada, ['Grace', 'Linus']],
    [grace, ['Ada', 'Linus']],
    [linus, ['Ada', 'Grace']],
  ] as const) {
    for (const other of others) {
      await page
        .locator(`[data-testid="peer-item"][data-username="${other}"][data-channel="open"]`)
        .waitFor();
    }
  }
  await ada.getByTestId('camera-toggle').click();
  await grace.getByTestId('camera-toggle').click();
  await ada.locator('[data-testid="video-tile"][data-peer="Grace"] video').waitFor();
  await say(grace, 'Morning! Mockups are ready — sending them over.', [ada, linus], 'Grace');
  await grace.getByTestId('file-input').setInputFiles({
    name: 'mockups-v3.zip',
    mimeType: 'application/zip',
    buffer: randomBytes(3 * 1024 * 1024),
  });
  await ada.locator('[data-testid="transfer-download"]').waitFor();
  await say(ada, 'Got them, thanks. The new header looks great.', [grace, linus], 'Ada');
  await say(linus, 'Joining from my phone, camera off for now.', [ada, grace], 'Linus');
  await ada.waitForFunction(() =>
    [...document.querySelectorAll('video')].every((v) => v.videoWidth > 0 && v.currentTime > 0.5),
  );
  await ada.screenshot({ path: 'docs/screenshot.png' });
  console.log('wrote docs/screenshot.png');
} finally {
  await browser.close();
  await running.server.close();
}
