import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { PING_BURST, PingBudget } from '../../src/transport/ping-budget.js';

test('a client ping is answered with a pong carrying its data', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.ws.ping('hello');
  const [data] = (await once(client.ws, 'pong')) as [Buffer];
  assert.equal(data.toString(), 'hello');
});

test('a ping flood closes the connection with 1008, the server unharmed', async (t) => {
  const { wsUrl } = await startServer(t);
  const flooder = await TestClient.connect(t, wsUrl);
  for (let i = 0; i < 1000; i++) flooder.ws.ping();
  const { code, reason } = await flooder.closed;
  assert.equal(code, 1008);
  assert.equal(reason, 'Too many pings');
  const other = await TestClient.connect(t, wsUrl);
  await other.identify('after-ping-flood');
});

test('PingBudget: a burst is fine, a sustained flood is not, a pause refills it', () => {
  const budget = new PingBudget();
  for (let i = 0; i < PING_BURST; i++) assert.equal(budget.take(1000), true);
  assert.equal(budget.take(1000), false);
  assert.equal(budget.take(1000 + 60_000), true);
});
