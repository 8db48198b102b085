/**
 * The Lua scripts that make every shared state change atomic: Redis runs a script alone, so two
 * nodes racing for one username or the last seat of a room are serialised and exactly one wins.
 *
 * A script touches only the keys it is given in KEYS (every name comes from `redis-keys.ts`), and
 * stores or returns data, never a message: the caller encodes the announcements of a change
 * (`cluster-messages.ts`) and publishes them on the same connection right after the reply, so
 * they keep their place in this node's order. A key a script cannot know in advance (the room or
 * username of a peer record) is read by the caller first and passed in; the script checks the
 * record still names it and otherwise answers what it found, for the caller to call again.
 * Where a call has no such key, the peer's own key stands in for it (no extra key, no extra slot).
 */
import type { Redis } from 'ioredis';

const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Script sources with their key counts (`null`: the caller passes the count first), registered as ioredis commands. */
const SCRIPTS = {
  // KEYS: user, peer, nodePeers, recovering. ARGV: peerId, username, node, usernameKey.
  // → 1 claimed, 0 taken, -1 recovering.
  srClaim: {
    keys: 4,
    lua: `
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('HSET', KEYS[2], 'n', ARGV[3], 'u', ARGV[2], 'k', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
return 1`,
  },
  // KEYS: user, peer, nodePeers. ARGV: peerId.
  srRelease: {
    keys: 3,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1`,
  },
  // KEYS: room, peer, recovering. ARGV: peerId, member JSON, maxPeers, roomId, seq.
  // → {1, members before the join (flat id, json…)}, {0} full, {-1} recovering.
  srJoin: {
    keys: 3,
    lua: `
if redis.call('EXISTS', KEYS[3]) == 1 then return {-1} end
local all = redis.call('HGETALL', KEYS[1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {1, all} end
if #all / 2 >= tonumber(ARGV[3]) then return {0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], 'r', ARGV[4], 's', ARGV[5])
return {1, all}`,
  },
  // KEYS: room, peer. ARGV: peerId, roomId. → members left (flat), or nil when not a member.
  srLeave: {
    keys: 2,
    lua: `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return false end
if redis.call('HGET', KEYS[2], 'r') == ARGV[2] then redis.call('HDEL', KEYS[2], 'r', 's') end
return redis.call('HGETALL', KEYS[1])`,
  },
  // KEYS: nodes, epoch, recovering. ARGV: node, ttlMs, fresh epoch, recoverMs, epoch this node knows.
  // → {current epoch, 1 if the node was not registered (new, or removed as dead), ms left of the
  // recovering window (negative when none)}.
  srHeartbeat: {
    keys: 3,
    lua: `${NOW_MS}
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
if ARGV[5] ~= '' and epoch ~= ARGV[5] then redis.call('SET', KEYS[3], '1', 'PX', ARGV[4], 'NX') end
local added = redis.call('ZADD', KEYS[1], now_ms() + tonumber(ARGV[2]), ARGV[1])
return {epoch, added, redis.call('PTTL', KEYS[3])}`,
  },
  // KEYS: nodes. → ids of nodes whose heartbeat expired.
  srDeadNodes: {
    keys: 1,
    lua: `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms())`,
  },
  // KEYS: nodes, the owner's nodePeers, then per peer: peer, user, room (as its record named them
  // when read). ARGV: owner node, '1' to reap (only while the owner's heartbeat is expired) or '0',
  // then per peer: id, username key, room id ('' for none), as read.
  // Forget each peer still listed for the owner: its username (if still its), membership and
  // record. Removing it from the owner's set is what makes one caller the remover, however many
  // race. → {1 when the owner's set is empty (a reaped owner is then unregistered), 0 when not,
  // -1 when a reaped owner is alive again; then per peer {state, username, seq, members left
  // (flat)}}, state 'gone' (removed), 'taken' (not the owner's peer any more: left alone) or
  // 'changed' (its record names other keys now: read it again).
  srRemovePeers: {
    keys: null,
    lua: `${NOW_MS}
local owner = ARGV[1]
if ARGV[2] == '1' then
  local expires = redis.call('ZSCORE', KEYS[1], owner)
  if not expires or tonumber(expires) > now_ms() then return {-1} end
end
local out = {0}
for i = 0, (#KEYS - 2) / 3 - 1 do
  local pk, uk, rk = KEYS[3 + 3 * i], KEYS[4 + 3 * i], KEYS[5 + 3 * i]
  local id, ukey, room = ARGV[3 + 3 * i], ARGV[4 + 3 * i], ARGV[5 + 3 * i]
  local rec = redis.call('HMGET', pk, 'n', 'u', 'k', 'r', 's')
  local state, left = 'gone', {}
  if redis.call('SISMEMBER', KEYS[2], id) == 0 then
    state = 'taken'
  elseif rec[1] and rec[1] ~= owner then
    redis.call('SREM', KEYS[2], id)
    state = 'taken'
  elseif (rec[3] or '') ~= ukey or (rec[4] or '') ~= room then
    state = 'changed'
  else
    redis.call('SREM', KEYS[2], id)
    if rec[3] and redis.call('GET', uk) == id then redis.call('DEL', uk) end
    if rec[4] and redis.call('HDEL', rk, id) == 1 then left = redis.call('HGETALL', rk) end
    redis.call('DEL', pk)
  end
  out[#out + 1] = {state, rec[2] or '', rec[5] or '0', left}
end
if redis.call('SCARD', KEYS[2]) == 0 then
  if ARGV[2] == '1' then redis.call('ZREM', KEYS[1], owner) end
  out[1] = 1
end
return out`,
  },
  // KEYS: user, peer, nodePeers, room (the peer key when in none), the room Redis may still list
  // the peer in (the peer key when none is known). ARGV: node, peerId, username, usernameKey,
  // roomId or '', seq, member JSON, the room id of KEYS[5] or ''. Re-register a live peer of this
  // node as it is (after Redis lost data, or a lost reply); a membership Redis has but the node
  // does not is removed (the caller tells its members). → {0, room id} when the record names a
  // room other than both given: call again with that one; else {1, 1 if another peer holds the
  // username, 1 if the membership had to be re-added, the room left or '', the seq it was left
  // under, members left there (flat)}.
  srEnsure: {
    keys: 5,
    lua: `
local node, id, user, ukey, room, seq = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local cur = redis.call('HMGET', KEYS[2], 'r', 's')
local stale = cur[1]
if stale == room then stale = false end
if stale and stale ~= ARGV[8] then return {0, stale} end
local holder = redis.call('GET', KEYS[1])
local conflict = 0
if not holder then redis.call('SET', KEYS[1], id) elseif holder ~= id then conflict = 1 end
local left_room, left = '', {}
if stale and redis.call('HDEL', KEYS[5], id) == 1 then
  left_room, left = stale, redis.call('HGETALL', KEYS[5])
end
redis.call('HSET', KEYS[2], 'n', node, 'u', user, 'k', ukey)
redis.call('SADD', KEYS[3], id)
local readded = 0
if room ~= '' then
  if redis.call('HEXISTS', KEYS[4], id) == 0 then readded = 1 end
  redis.call('HSET', KEYS[4], id, ARGV[7])
  redis.call('HSET', KEYS[2], 'r', room, 's', seq)
else
  redis.call('HDEL', KEYS[2], 'r', 's')
end
return {1, conflict, readded, left_room, cur[2] or '0', left}`,
  },
  // KEYS: peer, this node's nodePeers, the nodePeers of the node the record names (this node's
  // when none), the room the record names (the peer key when none). ARGV: peerId, node, seq,
  // username, usernameKey, member JSON, the node and the room id those keys are for ('' none).
  // A peer resumed on this node: move its record and membership here. → {0, node, room id} when
  // the record names others than given: call again with them; else {1, room id or '', members of
  // the room (flat)}.
  srAdopt: {
    keys: 4,
    lua: `
local id, node = ARGV[1], ARGV[2]
local cur = redis.call('HMGET', KEYS[1], 'n', 'r')
if (cur[1] or '') ~= ARGV[7] or (cur[2] or '') ~= ARGV[8] then return {0, cur[1] or '', cur[2] or ''} end
if cur[1] and cur[1] ~= node then redis.call('SREM', KEYS[3], id) end
redis.call('HSET', KEYS[1], 'n', node, 'u', ARGV[4], 'k', ARGV[5])
redis.call('SADD', KEYS[2], id)
if not cur[2] or redis.call('HEXISTS', KEYS[4], id) == 0 then return {1, ''} end
redis.call('HSET', KEYS[4], id, ARGV[6])
redis.call('HSET', KEYS[1], 's', ARGV[3])
return {1, cur[2], redis.call('HGETALL', KEYS[4])}`,
  },
  // KEYS: user, peer, nodePeers, recovering. ARGV: peerId, username, node, usernameKey.
  // Take a username even if held (--on-duplicate-username replace).
  // → the previous holder's id, '' when none (or itself), '!' while recovering.
  srReplace: {
    keys: 4,
    lua: `
if redis.call('EXISTS', KEYS[4]) == 1 then return '!' end
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'n', ARGV[3], 'u', ARGV[2], 'k', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
if not old or old == ARGV[1] then return '' end
return old`,
  },
} as const;

type Arg = string | number;

/** One peer's outcome in {@link ScriptCommands.srRemovePeers}: state, username, seq, members left (flat). */
export type RemovedPeerReply = ['gone' | 'taken' | 'changed', string, string, string[]];

/** The scripts as typed calls (ioredis sends EVALSHA and falls back to EVAL after a Redis restart). */
export interface ScriptCommands {
  srClaim(...args: Arg[]): Promise<number>;
  srRelease(...args: Arg[]): Promise<number>;
  srJoin(...args: Arg[]): Promise<[number, string[]?]>;
  srLeave(...args: Arg[]): Promise<string[] | null>;
  srHeartbeat(...args: Arg[]): Promise<[string, number, number]>;
  srDeadNodes(...args: Arg[]): Promise<string[]>;
  /** The key count comes first: 2 + 3 per peer. */
  srRemovePeers(numKeys: number, ...args: Arg[]): Promise<[number, ...RemovedPeerReply[]]>;
  srEnsure(...args: Arg[]): Promise<[0, string] | [1, number, number, string, string, string[]]>;
  srAdopt(...args: Arg[]): Promise<[0, string, string] | [1, string, string[]?]>;
  srReplace(...args: Arg[]): Promise<string>;
}

/** Register the scripts on a connection and return it with the typed script calls. */
export function withScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: script.keys ?? undefined, lua: script.lua });
  }
  return redis as Redis & ScriptCommands;
}

/** The Lua source of every script by name (for tests that check what the scripts may do). */
export const SCRIPT_SOURCES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, script]) => [name, script.lua]),
);
