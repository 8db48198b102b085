/** A 5 MiB random file goes from one page to the other in chunks and arrives byte-identical. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
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

declare global {
  interface Window {
    progressSeen?: Array<{ value: number; max: number }>;
  }
}

/** Record every value the page's progress bars take from now on. */
function watchProgress(page: Page): Promise<void> {
  return page.evaluate(() => {
    const seen: Array<{ value: number; max: number }> = [];
    window.progressSeen = seen;
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.target instanceof HTMLProgressElement)
          seen.push({ value: record.target.value, max: record.target.max });
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['value'] });
  });
}

test('a 5 MiB file arrives byte-identical, with progress on both sides and a download link', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const [alice, bob] = (await pagesInRoom(browser, httpUrl, 'files', ['alice', 'bob'])) as [Page, Page];
  await waitForChannel(alice, 'bob');
  await waitForChannel(bob, 'alice');

  const size = 5 * 1024 * 1024;
  const data = randomBytes(size);
  const sha256 = createHash('sha256').update(data).digest('hex');
  await watchProgress(alice);
  await watchProgress(bob);
  await alice
    .getByTestId('file-input')
    .setInputFiles({ name: 'random.bin', mimeType: 'application/octet-stream', buffer: data });

  const download = bob.locator(
    '[data-testid="transfer"][data-direction="receive"] [data-testid="transfer-download"]',
  );
  await download.waitFor();
  await alice.locator('[data-testid="transfer"][data-direction="send"][data-done="true"]').waitFor();
  assert.equal(
    await alice.locator('[data-direction="send"] [data-testid="transfer-status"]').textContent(),
    'Delivered',
  );
  assert.equal(
    await bob.locator('[data-direction="receive"] [data-testid="transfer-status"]').textContent(),
    'Received',
  );
  assert.equal(await download.getAttribute('download'), 'random.bin');

  const received = await bob.evaluate(async () => {
    const link = document.querySelector<HTMLAnchorElement>('[data-testid="transfer-download"]');
    const bytes = await (await fetch(link!.href)).arrayBuffer();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return {
      size: bytes.byteLength,
      sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
    };
  });
  assert.deepEqual(received, { size, sha256 });

  // Both sides showed the transfer moving, not only its end.
  for (const [name, page] of [
    ['alice', alice],
    ['bob', bob],
  ] as const) {
    const seen = await page.evaluate(() => window.progressSeen ?? []);
    const partial = seen.filter((p) => p.max === size && p.value > 0 && p.value < size);
    assert.ok(partial.length > 0, `${name} never showed partial progress (${seen.length} updates)`);
    assert.ok(
      seen.some((p) => p.max === size && p.value === size),
      `${name} never showed the transfer complete`,
    );
  }
  await screenshot(alice, 'file-sender');
  await screenshot(bob, 'file-receiver');
});
