import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SCRIPT_SOURCES } from '../../src/backend/redis-scripts.js';
import { RedisServer } from '../helpers/redis-server.js';
import { newPeer } from './contract.js';
import { openNode } from './redis-node-helpers.js';

test('scripts: no key or channel name is built and no message is encoded or published inside Lua', () => {
  for (const [name, lua] of Object.entries(SCRIPT_SOURCES)) {
    // Every redis.call names its key through KEYS or a local taken from KEYS, never by concatenation.
    assert.doesNotMatch(lua, /\.\.\s*'[a-z]+:'|'[a-z]+:'\s*\.\./, `${name} builds a key name`);
    assert.doesNotMatch(lua, /ARGV\[\d+\]\s*\.\./, `${name} builds a name from an argument`);
    assert.doesNotMatch(lua, /PUBLISH|cjson\.encode/, `${name} encodes or publishes a message`);
    for (const [, command, key] of lua.matchAll(/redis\.call\('([A-Z]+)',\s*([^,)]+)/g)) {
      if (command === 'TIME') continue;
      assert.match(key ?? '', /^(KEYS\[[^\]]+\]|pk|uk|rk)$/, `${name}: ${command} ${key}`);
    }
  }
});

let redis: RedisServer;
before(async () => {
  redis = await RedisServer.start();
});
after(() => redis.destroy());

test('scripts: srAdopt and srEnsure touch no record that names other keys than given, and say what it names', async (t) => {
  const n1 = await openNode(t, redis.url, `test-${randomUUID()}:`, 'n1');
  const p = newPeer('p');
  await n1.enter('r', p);
  const redis1 = n1.node.command();
  const keys = n1.node.keys;
  const before = await redis1.hgetall(keys.peer(p.id));
  const adopt = await redis1.srAdopt(
    keys.peer(p.id),
    keys.nodePeers('n2'),
    keys.nodePeers('elsewhere'),
    keys.room('other'),
    p.id,
    'n2',
    1,
    'p',
    'p',
    '{}',
    'elsewhere',
    'other',
  );
  assert.deepEqual(adopt, [0, 'n1', 'r']);
  const ensure = await redis1.srEnsure(
    keys.user('p'),
    keys.peer(p.id),
    keys.nodePeers('n1'),
    keys.room('s'),
    keys.peer(p.id),
    'n1',
    p.id,
    'p',
    'p',
    's',
    1,
    '{}',
    '',
  );
  assert.deepEqual(ensure, [0, 'r']);
  assert.deepEqual(await redis1.hgetall(keys.peer(p.id)), before);
  assert.deepEqual(await redis1.smembers(keys.nodePeers('n2')), []);
});
