import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTopology, parseTopology } from '../../src/backend/redis-topology.js';
import { RedisKeys } from '../../src/backend/redis-keys.js';
import { ConfigError, defineConfig } from '../../src/config.js';
import { checkCombinations } from '../../src/module-options.js';

test('topology: a URL, sentinels with a master name, the redis+sentinel:// form, cluster nodes', () => {
  assert.deepEqual(parseTopology({ url: 'redis://h:1' }), { kind: 'standalone', url: 'redis://h:1' });
  assert.deepEqual(
    parseTopology({ url: 'rediss://u:p%40ss@x/2', sentinels: ['a:26380', 'b'], sentinelMaster: 'm' }),
    {
      kind: 'sentinel',
      sentinels: [
        { host: 'a', port: 26380 },
        { host: 'b', port: 26379 },
      ],
      master: 'm',
      auth: { username: 'u', password: 'p@ss', tls: true, db: 2 },
    },
  );
  assert.deepEqual(parseTopology({ url: 'redis+sentinel://:secret@s1:1,s2:2/my%20master' }), {
    kind: 'sentinel',
    sentinels: [
      { host: 's1', port: 1 },
      { host: 's2', port: 2 },
    ],
    master: 'my master',
    auth: { password: 'secret', tls: false, db: 0 },
  });
  const cluster = parseTopology({
    url: 'redis://:pw@ignored:1',
    clusterNodes: ['10.0.0.1:7000', '[::1]:7001'],
  });
  assert.deepEqual(cluster, {
    kind: 'cluster',
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ],
    auth: { password: 'pw', tls: false, db: 0 },
  });
  assert.equal(describeTopology(cluster), 'cluster via 10.0.0.1:7000,::1:7001');
  assert.throws(
    () => parseTopology({ url: 'redis://h', sentinels: ['a:x'], sentinelMaster: 'm' }),
    /not host:port/,
  );
  assert.throws(() => parseTopology({ url: 'redis://h', sentinels: ['a'] }), /--redis-sentinel-master/);
  assert.throws(
    () => parseTopology({ url: 'redis://h', sentinels: ['a'], sentinelMaster: 'm', clusterNodes: ['b'] }),
    /exclude/,
  );
});

test('topology: the config refuses combinations that cannot work', () => {
  const check = (overrides: Parameters<typeof defineConfig>[0]) => () =>
    checkCombinations(defineConfig(overrides));
  assert.throws(check({ redisSentinels: ['a:1'] }), ConfigError);
  assert.throws(check({ redisSentinelMaster: 'm' }), ConfigError);
  assert.throws(
    check({ redisSentinels: ['a:1'], redisSentinelMaster: 'm', redisClusterNodes: ['b:1'] }),
    ConfigError,
  );
  assert.throws(check({ redisUrl: 'redis+sentinel://a:1' }), ConfigError);
  assert.throws(() => defineConfig({ redisKeyPrefix: 'app{1}:' }), ConfigError);
  check({ redisUrl: 'redis+sentinel://a:1,b:2/mymaster' })();
  check({ redisSentinels: ['a:1'], redisSentinelMaster: 'm' })();
});

test('keys: every key of a room, user or node carries its tag; ids with braces get a digest tag', () => {
  const keys = new RedisKeys('sr:');
  assert.equal(keys.room('lobby'), 'sr:room:{lobby}');
  assert.equal(keys.user('alice'), 'sr:user:{alice}');
  assert.equal(keys.nodePeers('n1'), 'sr:node:{n1}:peers');
  assert.equal(keys.nodeChannel('n1'), 'sr:node:{n1}:ch');
  assert.match(keys.nodes(), /^sr:\{cluster\}/);
  for (const odd of ['a}b', '{x}', '', '#1']) {
    const key = keys.room(odd);
    assert.match(key, /^sr:room:\{#[0-9a-f]{16}\}/);
    assert.equal(keys.roomIdOf(key), odd);
  }
  assert.notEqual(keys.room('#1'), keys.room(''));
  assert.equal(keys.roomIdOf(keys.room('lobby')), 'lobby');
  assert.equal(keys.roomIdOf('sr:room:{lobby}x'), null);
  assert.throws(() => new RedisKeys('a{b}:'));
});
