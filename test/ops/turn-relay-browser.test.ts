import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { haveBrowser, launchBrowser } from '../e2e/support/browser.js';
import { startServer } from '../helpers/test-server.js';
import { startCoturn } from './helpers/coturn.js';
import { buildRelayPage } from './helpers/relay-page.js';

const SECRET = 'relay-test-secret-9c2e';
/** How long each page may take to get its first data-channel message. */
const FIRST_MESSAGE_MS = 30_000;

type PageWindow = {
  relayRun(name: string, room: string): Promise<unknown>;
  firstMessage: Promise<string>;
  selectedPair(): Promise<{ local: string; remote: string; relayProtocol: string | null } | null>;
  diagnose(): Promise<{ events: [number, string][] } & Record<string, unknown>>;
};

/** `promise`, or a rejection saying what did not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Where each page stands: its steps timed from the test's start (page open, signaling, offer and
 * answer, ICE and connection states, channel event, open, first message), its data channels'
 * readyState and bufferedAmount, the selected candidate pair and the channels' message counters.
 */
async function diagnose(pages: Record<string, Page>, t0: number): Promise<string> {
  const lines: string[] = [];
  for (const [name, page] of Object.entries(pages)) {
    const state = await within(
      page.evaluate(() => (globalThis as unknown as PageWindow).diagnose()),
      5000,
      `${name}: diagnose`,
    ).catch((err: Error) => ({ events: [] as [number, string][], error: err.message }));
    const { events, ...rest } = state;
    const timeline = events.map(([at, what]) => `+${at - t0} ms ${what}`).join(', ');
    lines.push(`${name}: ${timeline}`, `${name}: ${JSON.stringify(rest)}`);
  }
  return lines.join('\n');
}

test('two Chromium pages with iceTransportPolicy "relay" connect through coturn and exchange a message', async (t) => {
  if (!haveBrowser(t)) return;
  const t0 = Date.now();
  const coturn = await startCoturn(t, [SECRET]);
  const staticDir = await buildRelayPage();
  t.after(() => rmSync(staticDir, { recursive: true, force: true }));
  const { httpUrl } = await startServer(t, {
    staticDir,
    turnUrls: [`turn:127.0.0.1:${coturn.port}?transport=udp`],
    turnSecret: [SECRET],
  });
  const browser = await launchBrowser(t);
  const pages: Record<string, Page> = {};
  for (const name of ['alice', 'bob']) {
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${name} page error] ${err.message}`));
    await page.goto(`${httpUrl}/relay.html`);
    await page.waitForFunction(() => typeof (globalThis as unknown as PageWindow).relayRun === 'function');
    const iceServers = await page.evaluate(
      ([n, room]) => (globalThis as unknown as PageWindow).relayRun(n as string, room as string),
      [name, 'relay-room'],
    );
    assert.ok(JSON.stringify(iceServers).includes(`turn:127.0.0.1:${coturn.port}`), 'TURN from AUTH_SUCCESS');
    pages[name] = page;
  }
  const { alice, bob } = pages as { alice: Page; bob: Page };
  // Awaited in the page (no polling), both at once, each with the test's own deadline.
  const first = (name: string, page: Page) =>
    within(
      page.evaluate(() => (globalThis as unknown as PageWindow).firstMessage),
      FIRST_MESSAGE_MS,
      `${name}: first data-channel message`,
    );
  try {
    const [toAlice, toBob] = await Promise.all([first('alice', alice), first('bob', bob)]);
    assert.equal(toAlice, 'hello from bob');
    assert.equal(toBob, 'hello from alice');
    // Kept in the output of a passing run too: how long each step took on this machine.
    t.diagnostic(await diagnose(pages, t0));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n${await diagnose(pages, t0)}\ncoturn:\n${coturn.output().slice(-2000)}`);
  }
  for (const page of [alice, bob]) {
    const pair = await page.evaluate(() => (globalThis as unknown as PageWindow).selectedPair());
    assert.deepEqual(
      pair,
      { local: 'relay', remote: 'relay', relayProtocol: 'udp' },
      `${await diagnose(pages, t0)}\n${coturn.output().slice(-2000)}`,
    );
  }
});
