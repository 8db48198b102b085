// The option table: flags > environment > defaults, one validated object, errors naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError,
  OPTIONS,
  defineConfig,
  envName,
  loadConfig,
  type Config,
  type OptionSpec,
} from '../../src/config.js';

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const entries = Object.entries(OPTIONS) as [string, OptionSpec][];

/** Two distinct valid raw values of an option, neither of them its default. */
function twoValues(spec: OptionSpec): [string, string, unknown, unknown] {
  switch (spec.type) {
    case 'integer': {
      const a = spec.default === spec.max ? spec.max - 1 : spec.max;
      const b = spec.default === spec.min ? spec.min + 1 : spec.min;
      return [String(a), String(b), a, b];
    }
    case 'enum': {
      const [a, b] = spec.values.filter((v) => v !== spec.default) as [string, string];
      return [a, b ?? spec.default, a, b ?? spec.default];
    }
    case 'boolean':
      return [String(!spec.default), String(spec.default), !spec.default, spec.default];
    case 'list':
      return ['a, b', 'c', ['a', 'b'], ['c']];
    default: {
      // Variations of the default first, so patterned options (URLs, paths) stay valid.
      const candidates = [
        `${spec.default}-a`,
        `${spec.default}-b`,
        '/alt-one',
        '/alt-two',
        'alt-one',
        'alt-two',
      ];
      const [a, b] = candidates.filter((c) => !spec.pattern || spec.pattern.test(c)) as [string, string];
      return [a, b, a, b];
    }
  }
}

test('with no flags and no environment every option has its default', () => {
  const config = loadConfig([], {});
  for (const [flag, spec] of entries) {
    assert.deepEqual(config[camel(flag) as keyof Config], spec.default, flag);
  }
  assert.deepEqual(config, defineConfig());
});

test('every option is read from its environment variable, and its flag wins over it', () => {
  for (const [flag, spec] of entries) {
    const [flagRaw, envRaw, flagValue, envValue] = twoValues(spec);
    const key = camel(flag) as keyof Config;
    assert.deepEqual(loadConfig([], { [envName(flag)]: envRaw })[key], envValue, `env ${envName(flag)}`);
    const both = spec.type === 'boolean' ? [`--${flag}=${flagRaw}`] : [`--${flag}`, flagRaw];
    assert.deepEqual(loadConfig(both, { [envName(flag)]: envRaw })[key], flagValue, `--${flag} over env`);
  }
});

test('flags take both "--x value" and "--x=value"; an empty variable counts as unset', () => {
  assert.equal(loadConfig(['--port=9001'], { PORT: '9000' }).port, 9001);
  assert.equal(loadConfig(['--port', '9002'], {}).port, 9002);
  assert.equal(loadConfig([], { PORT: '' }).port, 8080);
  assert.equal(loadConfig(['--log-level', 'debug'], { LOG_LEVEL: 'warn' }).logLevel, 'debug');
  assert.equal(loadConfig([], { LOG_LEVEL: 'warn' }).logLevel, 'warn');
  assert.equal(loadConfig([], { MAX_PEERS_PER_ROOM: '7' }).maxPeersPerRoom, 7);
});

for (const [label, argv, env, names] of [
  ['a port that is not a number', ['--port', 'abc'], {}, '--port'],
  ['a port out of range', ['--port', '70000'], {}, '--port'],
  ['a negative timeout', ['--identify-timeout-ms', '-5'], {}, '--identify-timeout-ms'],
  ['a fractional number', ['--max-peers-per-room', '2.5'], {}, '--max-peers-per-room'],
  ['an unknown log level', ['--log-level', 'loud'], {}, '--log-level'],
  ['a bad value in the environment', [], { PORT: 'eighty' }, 'PORT'],
  ['a bad level in the environment', [], { LOG_LEVEL: 'LOUD' }, 'LOG_LEVEL'],
  ['a ws path without a slash', ['--ws-path', 'ws'], {}, '--ws-path'],
  ['an unknown flag', ['--prot', '80'], {}, '--prot'],
  ['a flag without its value', ['--port'], {}, '--port'],
  ['a stray argument', ['8080'], {}, '8080'],
] as const) {
  test(`${label} is a ConfigError naming ${names}`, () => {
    assert.throws(
      () => loadConfig(argv as readonly string[], env as NodeJS.ProcessEnv),
      (err: unknown) => err instanceof ConfigError && err.message.includes(names),
    );
  });
}

test('defineConfig checks values given in code and names the option', () => {
  assert.equal(defineConfig({ port: 0, maxPeersPerRoom: 3 }).maxPeersPerRoom, 3);
  assert.throws(() => defineConfig({ port: -1 }), /port/);
  assert.throws(() => defineConfig({ logLevel: 'loud' as Config['logLevel'] }), /log-level/);
  assert.throws(() => defineConfig({ nonsense: 1 } as Partial<Config>), /nonsense/);
});

test('every option has a description, and integers a default within their range', () => {
  for (const [flag, spec] of entries) {
    assert.ok(spec.description.length > 10, `--${flag} needs a description`);
    if (spec.type === 'integer') assert.ok(spec.default >= spec.min && spec.default <= spec.max, flag);
    if (spec.type === 'enum') assert.ok(spec.values.includes(spec.default), flag);
    assert.match(flag, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `--${flag} is kebab-case`);
  }
});
