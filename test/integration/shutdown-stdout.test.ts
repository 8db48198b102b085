/**
 * Shutdown must not depend on stdout. A closed pipe (`signalroom | head -1`) made pino's exit flush
 * retry EPIPE forever, blocking the event loop so that even --drain-timeout-ms never fired; a reader
 * that stops reading fills the pipe. Either way SIGTERM must end the process. The drain timeouts
 * here are long for the closed pipe (only a clean stop ends it in the test's time) and short for the
 * stalled reader (whose last lines can never be written: the drain timeout ends it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifiedClient } from '../helpers/test-client.js';
import { listeningUrl, spawnCli } from '../helpers/child-server.js';

const BASE = ['--port', '0', '--host', '127.0.0.1'];

test(
  'SIGTERM with stdout a closed pipe: the process stops cleanly and exits 0',
  { timeout: 30_000 },
  async (t) => {
    const cli = spawnCli(t, [...BASE, '--log-level', 'info', '--drain-timeout-ms', '600000']);
    await listeningUrl(cli);
    // The reader goes, like `head -1` after its line: the shutdown's own lines are the first to fail.
    cli.child.stdout!.destroy();
    cli.child.kill('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  },
);

test(
  'SIGTERM with a stdout nobody reads any more: the process exits 0 by the drain timeout',
  { timeout: 60_000 },
  async (t) => {
    const cli = spawnCli(t, [
      ...BASE,
      '--log-level',
      'debug',
      '--drain-timeout-ms',
      '1000',
      '--max-messages-per-second',
      '100000',
      // 2,000 room switches to fill the pipe with log lines: far past the room-change budget.
      '--max-room-changes-per-second',
      '100000',
      '--room-change-burst',
      '100000',
    ]);
    const wsUrl = await listeningUrl(cli);
    cli.child.stdout!.pause();
    const alice = await identifiedClient(t, wsUrl, 'alice');
    // A join and a leave line for each: far more than a pipe and the reading side's buffer hold.
    for (let i = 0; i < 2000; i++) await alice.join(`room-${i}`);
    cli.child.kill('SIGTERM');
    assert.equal((await alice.closed).code, 1012);
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  },
);
