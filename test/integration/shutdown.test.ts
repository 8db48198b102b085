// Shutdown of the real process: stop accepting, close every client, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, identifiedClient } from '../helpers/test-client.js';
import { listeningUrl, spawnCli } from '../helpers/child-server.js';

const ARGS = ['--port', '0', '--host', '127.0.0.1', '--log-level', 'info', '--drain-timeout-ms', '15000'];

for (const [signal, closeCode] of [
  // SIGTERM is a supervisor restarting the service: 1012, reconnect soon (docs/reliability.md).
  ['SIGTERM', 1012],
  // SIGINT is an operator stopping it: 1001, going away.
  ['SIGINT', 1001],
] as const) {
  test(`${signal} closes every connected client with ${closeCode} and the process exits 0`, async (t) => {
    const cli = spawnCli(t, ARGS);
    const wsUrl = await listeningUrl(cli);
    const alice = await identifiedClient(t, wsUrl, 'alice');
    const bob = await identifiedClient(t, wsUrl, 'bob');
    await alice.join('r');
    await bob.join('r');
    const unidentified = await TestClient.connect(t, wsUrl);

    cli.child.kill(signal);
    for (const client of [alice, bob, unidentified]) {
      assert.equal((await client.closed).code, closeCode);
    }
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    assert.ok(cli.logs.some((l) => l.msg === 'shutting down' && l.signal === signal));
    assert.equal(cli.stderr(), '');
  });
}

test('a process with no clients exits 0 on SIGTERM', async (t) => {
  const cli = spawnCli(t, ARGS);
  await listeningUrl(cli);
  cli.child.kill('SIGTERM');
  assert.deepEqual(await cli.exited, { code: 0, signal: null });
});
