/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (never `playwright install`), with the flags and permissions of DESIGN.md "Browser tests".
 * Without a browser the tests say so loudly and skip; with CI=true a missing browser fails.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildDemo } from '../../../scripts/build-demo.mjs';
import type { Config } from '../../../src/config.js';
import { startServer, type RunningServer } from '../../helpers/test-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
];
const MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
/** Where screenshots go (git-ignored). */
export const ARTIFACTS = 'test-artifacts/e2e';

/** True when Chromium is available; otherwise skips the test loudly, or fails it under CI=true. */
export function haveBrowser(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but no Chromium at ${CHROMIUM}: the browser tests cannot run`);
  const line = '!'.repeat(78);
  console.error(
    `\n${line}\n!! SKIPPED: no Chromium at ${CHROMIUM}; browser test "${t.name}" did not run.\n!! Install it (apt-get install chromium) or set CHROMIUM_PATH.\n${line}\n`,
  );
  t.skip(`no Chromium at ${CHROMIUM}`);
  return false;
}

/** Launch one browser for the test; closed when the test ends. */
export async function launchBrowser(t: TestContext, options: { fakeMedia?: boolean } = {}): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: options.fakeMedia ? [...BASE_ARGS, ...MEDIA_ARGS] : BASE_ARGS,
  });
  t.after(() => browser.close());
  return browser;
}

let built: Promise<string> | null = null;

/** A real server serving a fresh build of the demo (built once per test process into a temp dir). */
export async function startDemoServer(t: TestContext, config: Partial<Config> = {}): Promise<RunningServer> {
  built ??= buildDemo(join(tmpdir(), `signalroom-demo-${process.pid}`));
  return startServer(t, { staticDir: await built, ...config });
}

/** Several pages, each joined to `room` through the UI under the given names. */
export async function pagesInRoom(
  browser: Browser,
  httpUrl: string,
  room: string,
  names: string[],
): Promise<Page[]> {
  const pages: Page[] = [];
  for (const name of names) {
    const page = await openPage(browser, httpUrl);
    await joinThroughUi(page, name, room);
    pages.push(page);
  }
  return pages;
}

/** A page in its own browser context (its own storage), with camera and microphone allowed. */
export async function openPage(
  browser: Browser,
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport });
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const external: string[] = [];
  page.on('request', (request) => {
    const target = request.url();
    if (!target.startsWith(origin) && !target.startsWith('data:') && !target.startsWith('blob:'))
      external.push(target);
  });
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  (page as Page & { externalRequests: string[] }).externalRequests = external;
  await page.goto(url);
  return page;
}

/** Requests the page made to anywhere but the server that served it. */
export function externalRequests(page: Page): string[] {
  return (page as Page & { externalRequests?: string[] }).externalRequests ?? [];
}

/** Fill the join form and wait for the room view. */
export async function joinThroughUi(page: Page, username: string, room?: string): Promise<void> {
  await page.getByTestId('username-input').fill(username);
  if (room !== undefined) await page.getByTestId('room-input').fill(room);
  await page.getByTestId('join-button').click();
  await page.getByTestId('room-name').waitFor({ state: 'visible' });
}

/** Wait until `page` shows an open chat channel to `username` (within `timeoutMs`, default 30 s). */
export async function waitForChannel(page: Page, username: string, timeoutMs = 30_000): Promise<void> {
  await page
    .locator(`[data-testid="peer-item"][data-username="${username}"][data-channel="open"]`)
    .waitFor({ timeout: timeoutMs });
}

/** Send a chat message through the composer. */
export async function sendChat(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-send').click();
}

/** Wait until `page` shows `text` from `from`. */
export async function waitForChat(page: Page, from: string, text: string): Promise<void> {
  await page
    .locator(`[data-testid="chat-message"][data-from="${from}"] [data-testid="chat-text"]`, { hasText: text })
    .first()
    .waitFor();
}

/** Save a screenshot under test-artifacts/e2e. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}
