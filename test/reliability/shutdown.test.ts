import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peersInRoom } from '../helpers/test-client.js';
import { startServerProcess } from './server-process.js';

test('SIGTERM (a restart): clients are closed with 1012 and the process exits 0', async (t) => {
  const server = await startServerProcess(t);
  const [alice, bob] = await peersInRoom(t, server.wsUrl, 'r', 2);
  assert.ok(alice && bob);
  server.child.kill('SIGTERM');
  assert.deepEqual((await alice.closed).code, 1012);
  assert.deepEqual((await bob.closed).code, 1012);
  assert.equal(await server.exited, 0);
});

test('SIGINT (an operator stop): clients are closed with 1001 and the process exits 0', async (t) => {
  const server = await startServerProcess(t);
  const [alice] = await peersInRoom(t, server.wsUrl, 'r', 1);
  assert.ok(alice);
  server.child.kill('SIGINT');
  assert.equal((await alice.closed).code, 1001);
  assert.equal(await server.exited, 0);
});
