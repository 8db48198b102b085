// The CLI as a process: --help and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS, envName, formatDefault, type OptionSpec } from '../../src/config.js';
import { runCli } from '../helpers/child-server.js';

test('--help lists every option with its variable and default, and exits 0', async () => {
  const { code, stdout, stderr } = await runCli(['--help']);
  assert.equal(code, 0);
  assert.equal(stderr, '');
  for (const [flag, spec] of Object.entries(OPTIONS) as [string, OptionSpec][]) {
    const at = stdout.indexOf(`  --${flag}`);
    assert.ok(at !== -1, `--help lacks --${flag}`);
    const block = stdout.slice(at, stdout.indexOf('\n  --', at + 1));
    assert.ok(block.includes(`env ${envName(flag)}`), `--${flag}: no env`);
    assert.ok(block.includes(`default: ${formatDefault(spec)}`), `--${flag}: no default`);
    assert.ok(block.includes(spec.description), `--${flag}: no description`);
  }
});

for (const [label, args, env, names] of [
  ['a bad flag value', ['--port', 'abc'], {}, '--port'],
  ['a bad environment value', [], { MAX_PAYLOAD_BYTES: '12' }, 'MAX_PAYLOAD_BYTES'],
  ['an unknown flag', ['--no-such-option', 'x'], {}, '--no-such-option'],
  [
    'a bad combination',
    ['--heartbeat-interval-ms', '100', '--heartbeat-timeout-ms', '5000'],
    {},
    '--heartbeat-timeout-ms',
  ],
] as const) {
  test(`${label} stops start-up with exit code 2 and a message naming ${names}`, async () => {
    const { code, stdout, stderr } = await runCli([...args], { ...env });
    assert.equal(code, 2);
    assert.match(stderr, new RegExp(`^signalroom: .*${names.replace(/-/g, '\\-')}`));
    assert.ok(!/\n\s+at /.test(stderr), `no stack trace: ${stderr}`);
    assert.equal(stdout, '', 'nothing started');
  });
}
