/**
 * The whole integration suite (test/integration/) again, with every server on the Redis backend
 * (a private redis-server; test/helpers/test-server.ts reads SIGNALROOM_TEST_REDIS_URL), so the
 * single-node behaviour is checked on both backends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

test('the integration suite passes on the Redis backend', async () => {
  // Without NODE_TEST_CONTEXT the child is a runner of its own, not a subtest of this one.
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNALROOM_TEST_REDIS_URL: redis.url };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, ['scripts/run-tests.mjs', 'test/integration'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const summary = output.split('\n').filter((l) => /^ℹ (tests|pass|fail)/.test(l));
  assert.equal(code, 0, `integration suite on Redis failed:\n${output.slice(-4000)}`);
  // It really ran: a suite that found no test would also exit 0.
  const passed = Number(/ℹ pass (\d+)/.exec(summary.join('\n'))?.[1] ?? 0);
  assert.ok(passed > 0, output.slice(-2000));
});
