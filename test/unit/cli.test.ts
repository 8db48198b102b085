// The CLI as a process: --help, --version, exit codes, and what it says of mistakes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { listeningFields } from '../../src/cli-main.js';
import { OPTIONS, envName, formatDefault, type OptionSpec } from '../../src/config.js';
import { editDistance, nearestName } from '../../src/did-you-mean.js';
import { unsupportedNodeWarning } from '../../src/node-support.js';
import { runCli } from '../helpers/child-server.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  engines: { node: string };
};

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

test('--version prints the package version and exits 0', async () => {
  const { code, stdout, stderr } = await runCli(['--version']);
  assert.equal(code, 0);
  assert.equal(stdout, `${pkg.version}\n`);
  assert.equal(stderr, '');
});

for (const [typed, meant] of [
  ['--prot', '--port'],
  ['--hots', '--host'],
  ['--log-levle', '--log-level'],
  ['--metric-port', '--metrics-port'],
  ['--no-metric', '--no-metrics'],
  ['--verison', '--version'],
  ['--turn-url', '--turn-urls'],
] as const) {
  test(`an unknown option suggests the nearest one: ${typed} → did you mean ${meant}?`, async () => {
    const { code, stderr } = await runCli([typed, '1']);
    assert.equal(code, 2);
    assert.ok(stderr.includes(`Unknown option '${typed}' (did you mean ${meant}? see --help)`), stderr);
  });
}

test('an option far from every known one gets no suggestion', async () => {
  const { code, stderr } = await runCli(['--zzzzzz', '1']);
  assert.equal(code, 2);
  assert.ok(stderr.includes("Unknown option '--zzzzzz' (see --help)"), stderr);
});

test('edit distance counts a swapped pair as one edit', () => {
  assert.equal(editDistance('port', 'port'), 0);
  assert.equal(editDistance('prot', 'port'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(nearestName('x', ['port', 'host']), undefined);
});

test('a Node.js older than the supported lines gets a plain warning; 22, 24 and 26 get none', () => {
  assert.equal(pkg.engines.node, '>=22');
  const warning = unsupportedNodeWarning('20.20.2');
  assert.ok(warning?.includes('Node.js 20.20.2 is not supported'), warning ?? '');
  assert.ok(warning?.includes('22, 24 or 26'));
  for (const version of ['22.0.0', '24.1.0', '26.12.1']) assert.equal(unsupportedNodeWarning(version), null);
});

test('the listening line gives the WebSocket URL as ws:// (wss:// with TLS) and a browsable host', () => {
  assert.deepEqual(listeningFields('0.0.0.0', 8080, false, '/ws'), {
    url: 'http://localhost:8080',
    ws: 'ws://localhost:8080/ws',
  });
  assert.deepEqual(listeningFields('127.0.0.1', 443, true, '/signal'), {
    url: 'https://127.0.0.1:443',
    ws: 'wss://127.0.0.1:443/signal',
  });
  assert.equal(listeningFields('::1', 1, false, '/ws').ws, 'ws://[::1]:1/ws');
});
