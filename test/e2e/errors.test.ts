/** Refusals are shown on the page: a taken username, a full room. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  haveBrowser,
  joinThroughUi,
  launchBrowser,
  openPage,
  screenshot,
  startDemoServer,
} from './support/browser.js';

test('a taken username is shown on the page, and another name then gets in', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t);
  const browser = await launchBrowser(t);
  const alice = await openPage(browser, httpUrl);
  await joinThroughUi(alice, 'alice', 'r1');

  const impostor = await openPage(browser, `${httpUrl}/?room=r1`);
  await impostor.getByTestId('username-input').fill('ALICE');
  await impostor.getByTestId('join-button').click();
  const banner = impostor.getByTestId('error-banner');
  await banner.waitFor({ state: 'visible' });
  assert.equal(
    await impostor.getByTestId('error-text').textContent(),
    'The name “ALICE” is already taken. Pick another name.',
  );
  assert.ok(await impostor.getByTestId('join-form').isVisible(), 'the form stays for another try');
  await screenshot(impostor, 'username-taken');

  await joinThroughUi(impostor, 'alicia');
  assert.equal(await banner.isVisible(), false);
  await alice.locator('[data-testid="peer-item"][data-username="alicia"]').waitFor();
});

test('a full room is shown on the page', async (t) => {
  if (!haveBrowser(t)) return;
  const { httpUrl } = await startDemoServer(t, { maxPeersPerRoom: 1 });
  const browser = await launchBrowser(t);
  const first = await openPage(browser, httpUrl);
  await joinThroughUi(first, 'first', 'tiny');
  const second = await openPage(browser, `${httpUrl}/?room=tiny`);
  await second.getByTestId('username-input').fill('second');
  await second.getByTestId('join-button').click();
  await second.getByTestId('error-banner').waitFor({ state: 'visible' });
  assert.equal(
    await second.getByTestId('error-text').textContent(),
    'The room “tiny” is full. Try another room.',
  );
});
