import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { PING_BURST, PingBudget } from '../../src/transport/ping-budget.js';
import { frame, rawExchange } from './helpers/raw-socket.js';

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

test('an unsolicited pong flood closes the connection with 1008, like a ping flood', async (t) => {
  const { wsUrl } = await startServer(t);
  const flooder = await TestClient.connect(t, wsUrl);
  for (let i = 0; i < 1000; i++) flooder.ws.pong('12345');
  const { code, reason } = await flooder.closed;
  assert.equal(code, 1008);
  assert.equal(reason, 'Too many pongs');
  const other = await TestClient.connect(t, wsUrl);
  await other.identify('after-pong-flood');
});

test('answering heartbeat pings is within the budget: a client that only pongs is kept', async (t) => {
  const { wsUrl } = await startServer(t, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 80 });
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('steady');
  for (let i = 0; i < 30; i++) await once(client.ws, 'ping');
  client.send({ type: 'PING', id: 1 });
  assert.equal((await client.next('PONG')).id, 1);
});

test('after a policy close the server stops reading: a client that floods on is cut off, not parsed for 30 s', async (t) => {
  const { port } = await startServer(t);
  const filler = frame({
    opcode: 0x1,
    payload: JSON.stringify({ type: 'PING', id: 1, pad: 'x'.repeat(60_000) }),
  });
  let written = 0;
  const outcome = await rawExchange(port, (socket) => {
    // Trip the ping budget, then never answer the close: keep sending 60 KB frames until cut off.
    for (let i = 0; i < 50; i++) socket.write(frame({ opcode: 0x9 }));
    const pump = () => {
      // Bounded: 2,000 frames (120 MB), far more than arrive before a prompt cut-off.
      while (!socket.destroyed && written < 2000 && socket.write(filler)) written++;
    };
    socket.on('drain', pump);
    pump();
  });
  console.log(`# frames written after the ping flood before the server cut the socket: ${written}`);
  assert.equal(outcome.status, 101);
  assert.equal(outcome.closeCode, 1008);
  assert.ok(written < 2000, 'the server closed the socket while the client was still sending');
});
