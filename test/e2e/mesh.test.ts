/** Three pages form a full mesh where every pair chats; a page that closes is shown as gone. */
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

test('three pages: full mesh, every pair chats, a closed page disappears from the others', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const names = ['ana', 'ben', 'cai'];
  const pages = await pagesInRoom(browser, httpUrl, 'trio', names);
  const byName = new Map(names.map((n, i) => [n, pages[i] as Page]));

  for (const [name, page] of byName) {
    for (const other of names) if (other !== name) await waitForChannel(page, other);
    assert.equal(await page.getByTestId('peer-count').textContent(), '3');
  }
  for (const [name, page] of byName) await sendChat(page, `hello from ${name}`);
  for (const [name, page] of byName) {
    for (const other of names) if (other !== name) await waitForChat(page, other, `hello from ${other}`);
  }
  await screenshot(byName.get('ana') as Page, 'mesh-ana');

  await (byName.get('cai') as Page).close();
  for (const name of ['ana', 'ben']) {
    const page = byName.get(name) as Page;
    await page.locator('[data-testid="peer-item"][data-username="cai"]').waitFor({ state: 'detached' });
    await page.getByTestId('notice').filter({ hasText: 'cai left' }).waitFor();
    assert.equal(await page.getByTestId('peer-count').textContent(), '2');
  }
  // The two who stayed still talk.
  await sendChat(byName.get('ana') as Page, 'still here?');
  await waitForChat(byName.get('ben') as Page, 'ana', 'still here?');
});
