/**
 * Users behind one shared IPv4 (carrier-grade NAT, an office, a school) under the default limits:
 * 500 of them hold their connections (each with the 2 keep-alive sockets a Chromium page load of
 * the demo leaves open, plus its WebSocket), and 100 more open the page in the same second; while
 * a client opening upgrades in a loop is still refused (429) once past the attempt burst.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, get } from 'node:http';
import { defineConfig } from '../../src/config.js';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { tryUpgrade } from './helpers/upgrade.js';

const defaults = defineConfig();
/** The per-IP limits as shipped (the test server lifts them for the other tests). */
const perIpDefaults = {
  maxConnectionsPerIp: defaults.maxConnectionsPerIp,
  maxConnectionAttemptsPerIp: defaults.maxConnectionAttemptsPerIp,
  connectionAttemptBurst: defaults.connectionAttemptBurst,
};

test('defaults: 2,000 connections per IP; upgrades 200 at once, then 50 a second', () => {
  assert.equal(defaults.maxConnectionsPerIp, 2000);
  assert.equal(defaults.connectionAttemptBurst, 200);
  assert.equal(defaults.maxConnectionAttemptsPerIp, 50);
});

/** A page load: two parallel requests on a keep-alive agent leave two idle sockets open. */
async function pageLoad(t: TestContext, httpUrl: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2 });
  t.after(() => agent.destroy());
  const fetchOne = () =>
    new Promise<void>((resolve, reject) => {
      get(`${httpUrl}/`, { agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      }).on('error', reject);
    });
  await Promise.all([fetchOne(), fetchOne()]);
}

/** One user: a page load, then its WebSocket, identified. */
async function user(t: TestContext, httpUrl: string, wsUrl: string, name: string): Promise<TestClient> {
  await pageLoad(t, httpUrl);
  const client = await TestClient.connect(t, wsUrl);
  await client.identify(name);
  return client;
}

test('500 users behind one IP hold their connections, and 100 more open the page in the same second', async (t) => {
  const { httpUrl, wsUrl, server } = await startServer(t, perIpDefaults);
  // The first 400 arrive over a few seconds, within the attempt budget: the burst of 200, then
  // waves of 50 a little over a second apart (50 a second).
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let i = 0; i < 400; i += 50) {
    if (i >= 200) await pause(1200);
    await Promise.all(Array.from({ length: 50 }, (_, j) => user(t, httpUrl, wsUrl, `early-${i + j}`)));
  }
  // Two seconds later (the budget has 100 again), a whole class opens the page at once.
  await pause(2500);
  // A whole class: 100 page loads and upgrades at once.
  const clients = await Promise.all(
    Array.from({ length: 100 }, (_, i) => user(t, httpUrl, wsUrl, `class-${i}`)),
  );
  assert.equal(clients.length, 100);
  assert.equal(server.core.stats().peers, 500);
  t.diagnostic(`one IP holds ${server.core.stats().connections} WebSockets and their page-load sockets`);
});

test('a client opening upgrades in a loop gets 429 once past the burst', async (t) => {
  const { wsUrl } = await startServer(t, perIpDefaults);
  const outcomes = [];
  for (let i = 0; i < 300; i++) outcomes.push(await tryUpgrade(wsUrl));
  const accepted = outcomes.filter((o) => o.status === 101).length;
  const refused = outcomes.filter((o) => o.status === 429).length;
  t.diagnostic(`300 upgrades in a loop: ${accepted} accepted, ${refused} refused`);
  assert.equal(accepted + refused, 300);
  // The burst of 200, plus what refilled at 50 a second while the loop ran.
  assert.ok(refused > 0, 'the loop was stopped');
  assert.ok(
    outcomes.slice(0, 200).every((o) => o.status === 101),
    'the burst passes',
  );
});
