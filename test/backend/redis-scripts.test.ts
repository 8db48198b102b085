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

test('scripts: srTakePeers moves a lapsed node’s records a batch at a time, to one reaper at a time', async (t) => {
  const n1 = await openNode(t, redis.url, `test-${randomUUID()}:`, 'n1');
  const r = n1.node.command();
  const keys = n1.node.keys;
  const take = (reaper: string) =>
    r.srTakePeers(
      keys.nodeAlive('d'),
      keys.nodePeers('d'),
      keys.nodeReaping('d'),
      keys.nodeReaper('d'),
      reaper,
      60_000,
      2,
    );
  await r.hset(keys.nodePeers('d'), { p1: '{}', p2: '{}', p3: '{}' });
  await r.set(keys.nodeAlive('d'), '1');
  assert.deepEqual(await take('n1'), [-1]); // its heartbeat is current: not dead
  await r.del(keys.nodeAlive('d'));
  const [status, first] = await take('n1');
  assert.equal(status, 0);
  assert.equal(first?.length, 4);
  assert.deepEqual(await take('n2'), [-2]); // n1 holds the lease
  // n1 died before removing them: the same records again, then the rest, then nothing.
  assert.deepEqual(await take('n1'), [0, first]);
  await r.hdel(keys.nodeReaping('d'), ...(first ?? []).filter((_, i) => i % 2 === 0));
  assert.equal((await take('n1'))[1]?.length, 2);
  await r.del(keys.nodeReaping('d'));
  assert.deepEqual(await take('n1'), [1]);
  assert.equal(await r.exists(keys.nodeReaper('d'), keys.nodePeers('d')), 0);
});

test('scripts: a username is freed only by its holder; re-claimed only when free; a move only for a member', async (t) => {
  const n1 = await openNode(t, redis.url, `test-${randomUUID()}:`, 'n1');
  const r = n1.node.command();
  const keys = n1.node.keys;
  const p = newPeer('p');
  await n1.enter('r', p);
  assert.equal(await r.srRelease(keys.user('p'), 'someone-else'), 0);
  assert.equal(await r.srEnsureUser(keys.user('p'), 'someone-else'), p.id);
  assert.equal(await r.srEnsureUser(keys.user('p'), p.id), '');
  assert.equal(await r.srRelease(keys.user('p'), p.id), 1);
  assert.equal(await r.srEnsureUser(keys.user('p'), p.id), '');
  assert.equal(await r.get(keys.user('p')), p.id);
  assert.equal(await r.srMoveMember(keys.room('other'), p.id, '{}'), null);
  assert.equal(await r.exists(keys.room('other')), 0);
  assert.deepEqual(await r.srMoveMember(keys.room('r'), p.id, '{"n":"n2"}'), [p.id, '{"n":"n2"}']);
});
