/**
 * What the documentation says that the code can confirm: options, metrics, error and close codes,
 * links. Users read README.md, CHANGELOG.md, client/README.md and docs/ (shipped in the package),
 * not the project's issues or its internal specification, so those are never referred to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MemoryBackend } from '../../src/backend/memory.js';
import { OPTIONS, envName, type OptionSpec } from '../../src/config.js';
import { instrumentBackend } from '../../src/metrics/instrumented-backend.js';
import { ServerMetrics } from '../../src/metrics/server-metrics.js';
import { CLOSE_CODES } from '../../protocol/close-codes.js';
import { ERROR_CODES } from '../../protocol/error-codes.js';
import { CLIENT_ERROR_CODES } from '../../client/errors.js';

const root = new URL('../../', import.meta.url).pathname;
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  'ARCHITECTURE.md',
  'client/README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const docs = DOCS.map((file) => ({ file, text: readFileSync(join(root, file), 'utf8') }));

/** Flags of other commands the docs show (npm, node, docker, useradd, certbot, the bench and soak scripts). */
const OTHER_COMMANDS_FLAGS = new Set([
  'some-option', // the README's example of the naming rule
  'omit',
  'audit-level',
  'import',
  'test',
  'test-name-pattern',
  'build-sea',
  'profile',
  'trace-gc-nvp', // npm, node
  'system',
  'home',
  'shell',
  'now',
  'webroot', // useradd, systemctl, certbot
  'name',
  'restart',
  'stop-timeout', // docker
  'report',
  'quick',
  'only',
  'servers',
  'against',
  'rounds', // npm run bench
  'clients',
  'duration',
  'rate',
  'grace',
  'json', // npm run soak
]);

test('every --option the docs mention is one the server has', () => {
  const flags = new Set(Object.keys(OPTIONS));
  for (const [flag, spec] of Object.entries(OPTIONS) as [string, OptionSpec][])
    if (spec.type === 'boolean') flags.add(`no-${flag}`);
  for (const extra of ['help', 'version']) flags.add(extra);
  for (const { file, text } of docs) {
    for (const [, flag] of text.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
      const name = flag as string;
      if (OTHER_COMMANDS_FLAGS.has(name)) continue;
      // `--jwt-*` and the like: a prefix of some option.
      if (name.endsWith('-')) {
        assert.ok(
          [...flags].some((f) => f.startsWith(name)),
          `${file}: --${name}… matches no option`,
        );
        continue;
      }
      assert.ok(flags.has(name), `${file}: --${name} is not an option (see --help)`);
    }
  }
});

test('every environment variable named like an option is one', () => {
  const variables = new Set(Object.keys(OPTIONS).map(envName));
  for (const { file, text } of docs) {
    for (const [, name] of text.matchAll(/`([A-Z][A-Z0-9_]+)=/g)) {
      if (
        ['NODE_ENV', 'CI', 'CHROMIUM_PATH', 'CHURN_MS', 'SOAK_SNAPSHOTS', 'SIGNALROOM_NODE_CACHE'].includes(
          name as string,
        )
      )
        continue;
      assert.ok(variables.has(name as string), `${file}: ${name} is not an option's variable`);
    }
  }
});

test('every signalroom_* metric the docs mention is registered', () => {
  const metrics = new ServerMetrics({
    stats: () => ({ connections: 0, peers: 0 }),
    backend: new MemoryBackend(),
  });
  instrumentBackend(new MemoryBackend(), metrics.registry);
  const names = new Set<string>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const part of ['_bucket', '_sum', '_count']) names.add(metric.name + part);
  }
  for (const { file, text } of docs) {
    for (const [mention, name, wildcard] of text.matchAll(/\b(signalroom_[a-z0-9_]*[a-z0-9])(_\*)?/g)) {
      if (wildcard) {
        assert.ok(
          [...names].some((n) => n.startsWith(`${name}_`)),
          `${file}: ${mention} matches no metric`,
        );
      } else {
        assert.ok(names.has(name as string), `${file}: ${name} is not a metric`);
      }
    }
  }
});

/** Other upper-case names the docs show in backticks: HTTP API errors, Redis commands, Dockerfile and test settings. */
const OTHER_NAMES = new Set([
  'SOME_OPTION', // the README's example of the naming rule
  'BAD_REQUEST',
  'FORBIDDEN',
  'NOT_FOUND',
  'UPGRADE_REQUIRED',
  'ORIGIN_NOT_ALLOWED', // the HTTP API's error bodies
  'GETDEL',
  'SPOP',
  'HGET',
  'ZCARD',
  'ZRANGEBYLEX',
  'ZRANGEBYSCORE',
  'LIMIT', // Redis commands
  'KEYS',
  'ARGV', // Lua script arguments
  'READONLY',
  'LOADING',
  'MASTERDOWN',
  'CLUSTERDOWN',
  'MOVED',
  'ASK',
  'SPUBLISH',
  'SSUBSCRIBE', // Redis replies and commands (docs/scaling.md)
  'HEALTHCHECK', // Dockerfile
  'CHROMIUM_PATH',
  'FUZZ_SEED',
  'ALICE', // test settings, an example username
  'STRASSE', // a username example (docs/protocol.md)
]);

test('every code in backticks is one the server or the SDK has; close codes have the number they say', () => {
  const messageTypes = [
    ...readFileSync(join(root, 'protocol/messages.ts'), 'utf8').matchAll(/Literal\('([A-Z_]+)'\)/g),
  ].map((m) => m[1] as string);
  const known = new Set([
    ...Object.keys(ERROR_CODES),
    ...Object.keys(CLIENT_ERROR_CODES),
    ...Object.keys(CLOSE_CODES),
    ...Object.keys(OPTIONS).map(envName),
    ...messageTypes,
    ...OTHER_NAMES,
  ]);
  const closeCodes = new Map<number, string>(Object.entries(CLOSE_CODES).map(([name, c]) => [c.code, name]));
  for (const { file, text } of docs) {
    for (const [, name] of text.matchAll(/`([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*)`/g))
      assert.ok(
        known.has(name as string),
        `${file}: \`${name}\` is no error code, close code, message type or option`,
      );
    // Application close codes (4000-4999) exist; a code given with its name has that name: 1012 RESTARTING.
    for (const [, number] of text.matchAll(/(?<![\d,.:–-])(4\d{3})(?![\d,.–])/g))
      assert.ok(closeCodes.has(Number(number)), `${file}: close code ${number} does not exist`);
    for (const [, number, name] of text.matchAll(/\b([14]\d{3})\*{0,2} \*{0,2}([A-Z][A-Z_]{3,})\b/g)) {
      if (!((name as string) in CLOSE_CODES)) continue;
      assert.equal(closeCodes.get(Number(number)), name, `${file}: ${number} is not ${name}`);
    }
  }
  // Every error code and close code the server uses is in the protocol reference.
  const protocol = readFileSync(join(root, 'docs/protocol.md'), 'utf8');
  for (const code of Object.keys(ERROR_CODES))
    assert.ok(protocol.includes(`\`${code}\``), `docs/protocol.md lacks ${code}`);
  for (const [name, { code }] of Object.entries(CLOSE_CODES))
    assert.ok(protocol.includes(String(code)), `docs/protocol.md lacks close code ${code} (${name})`);
});

test('the docs refer to no issue numbers or internal files users do not have', () => {
  for (const { file, text } of docs) {
    assert.ok(!/\bissues? #?\d+\b/i.test(text), `${file}: refers to an issue by number`);
    assert.ok(!text.includes('PROTOCOL.md'), `${file}: refers to PROTOCOL.md (use docs/protocol.md)`);
    assert.ok(!text.includes('DESIGN.md'), `${file}: refers to DESIGN.md`);
  }
});

test('relative links in the docs resolve to files of the repository', () => {
  for (const { file, text } of docs) {
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const path = (target as string).split('#')[0] as string;
      if (path === '' || /^[a-z]+:/i.test(path)) continue;
      assert.ok(existsSync(join(root, dirname(file), path)), `${file}: link to ${target} is broken`);
    }
  }
});
