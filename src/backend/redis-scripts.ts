/**
 * The Lua scripts that make every shared state change atomic: Redis runs a script alone, so two
 * nodes racing for one username or the last seat of a room are serialised and exactly one wins.
 * Scripts that clean up after a peer publish the resulting PEER_LEFT events themselves, so a
 * cleanup and its announcement cannot be separated by a crash.
 *
 * Key names are built here from the prefix passed as an argument, the same way as `RedisKeys`.
 * That is fine on a single Redis (or a Sentinel-managed primary); it is not Redis Cluster safe.
 */
import type { Redis } from 'ioredis';

// Shared helpers, prepended to the scripts that need them.
const HELPERS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Remove member 'id' from room 'room' and tell the members left, grouped by node, except on
-- 'skip', and (when 'min_seq' is given) only those who joined after it, i.e. who can know of it.
local function leave_room(p, room, id, user, seq, skip, min_seq)
  local rk = p .. 'room:' .. room
  if redis.call('HDEL', rk, id) == 0 then return end
  local all = redis.call('HGETALL', rk)
  local by_node = {}
  for i = 1, #all, 2 do
    local m = cjson.decode(all[i + 1])
    local n = m.n
    if n ~= skip and (not min_seq or (tonumber(m.s) or 0) > (tonumber(min_seq) or 0)) then
      by_node[n] = by_node[n] or {}
      table.insert(by_node[n], all[i])
    end
  end
  for n, ids in pairs(by_node) do
    redis.call('PUBLISH', p .. 'node:' .. n, cjson.encode({
      t = 'leave', room = room, peer = { id = id, username = user }, seq = tonumber(seq) or 0, to = ids }))
  end
end

-- Forget peer 'id' entirely: username, room membership (announced), record, node set entry.
local function remove_peer(p, id, skip)
  local pk = p .. 'peer:' .. id
  local rec = redis.call('HMGET', pk, 'n', 'u', 'k', 'r', 's')
  local node, user, ukey, room, seq = rec[1], rec[2], rec[3], rec[4], rec[5]
  if ukey and redis.call('GET', p .. 'user:' .. ukey) == id then redis.call('DEL', p .. 'user:' .. ukey) end
  if room then leave_room(p, room, id, user or '', seq, skip) end
  redis.call('DEL', pk)
  if node then redis.call('SREM', p .. 'nodepeers:' .. node, id) end
end
`;

/** Script sources with their key counts, registered as ioredis commands. */
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
    lua: `${HELPERS}
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
    lua: `${HELPERS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms())`,
  },
  // KEYS: nodes. ARGV: prefix, dead node, batch size. Removes up to a batch of the dead node's
  // peers (SPOP: each peer is taken by exactly one caller) → {peers removed, 1 when none remain}.
  srReap: {
    keys: 1,
    lua: `${HELPERS}
local expires = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not expires or tonumber(expires) > now_ms() then return {0, 1} end
local set = ARGV[1] .. 'nodepeers:' .. ARGV[2]
local ids = redis.call('SPOP', set, tonumber(ARGV[3]))
for _, id in ipairs(ids) do remove_peer(ARGV[1], id, '') end
if redis.call('SCARD', set) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[2])
  return {#ids, 1}
end
return {#ids, 0}`,
  },
  // ARGV: prefix, this node, peer ids… Forget this node's peers that are gone (left while Redis
  // was unreachable); their rooms are told, except members on this node (told already).
  srPurge: {
    keys: 0,
    lua: `${HELPERS}
for i = 3, #ARGV do remove_peer(ARGV[1], ARGV[i], ARGV[2]) end
return #ARGV - 2`,
  },
  // ARGV: prefix, node, peerId, username, usernameKey, roomId or '', seq, member JSON, room the
  // peer left while Redis was unreachable or ''. Re-register a live peer of this node as it is
  // (after Redis lost data, or a lost reply). A membership Redis has but the node does not is
  // removed: announced to everyone if the peer left it, else only to those who joined after it
  // (a join whose reply was lost was never announced; later joiners saw it in ROOM_MEMBERS).
  // → {1 if another peer holds the username, 1 if the membership had to be re-added}.
  srEnsure: {
    keys: 0,
    lua: `${HELPERS}
local p, node, id, user, ukey, room = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local uk = p .. 'user:' .. ukey
local holder = redis.call('GET', uk)
local conflict = 0
if not holder then redis.call('SET', uk, id) elseif holder ~= id then conflict = 1 end
local pk = p .. 'peer:' .. id
local cur = redis.call('HMGET', pk, 'r', 's')
if cur[1] and cur[1] ~= room then
  leave_room(p, cur[1], id, user, cur[2], node, (cur[1] ~= ARGV[9]) and (cur[2] or '0') or nil)
end
redis.call('HSET', pk, 'n', node, 'u', user, 'k', ukey)
redis.call('SADD', p .. 'nodepeers:' .. node, id)
local readded = 0
if room ~= '' then
  local rk = p .. 'room:' .. room
  if redis.call('HEXISTS', rk, id) == 0 then readded = 1 end
  redis.call('HSET', rk, id, ARGV[8])
  redis.call('HSET', pk, 'r', room, 's', ARGV[7])
else
  redis.call('HDEL', pk, 'r', 's')
end
return {conflict, readded}`,
  },
  // ARGV: prefix, peerId, node, seq, username, usernameKey. A peer resumed on this node: move
  // its record and membership here. → {roomId or '', members of the room (flat)}.
  srAdopt: {
    keys: 0,
    lua: `
local p, id, node, seq, user, ukey = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local pk = p .. 'peer:' .. id
local old = redis.call('HGET', pk, 'n')
if old and old ~= node then redis.call('SREM', p .. 'nodepeers:' .. old, id) end
redis.call('HSET', pk, 'n', node, 'u', user, 'k', ukey)
redis.call('SADD', p .. 'nodepeers:' .. node, id)
local room = redis.call('HGET', pk, 'r')
if not room then return {''} end
local rk = p .. 'room:' .. room
if redis.call('HEXISTS', rk, id) == 0 then return {''} end
redis.call('HSET', rk, id, cjson.encode({ u = user, n = node, s = tonumber(seq) }))
redis.call('HSET', pk, 's', seq)
return {room, redis.call('HGETALL', rk)}`,
  },
  // KEYS: user, peer, nodePeers, recovering. ARGV: peerId, username, node, usernameKey, prefix.
  // Take a username even if held (--on-duplicate-username replace).
  // → {previous holder id or '', its node or ''}, or {'!'} while recovering.
  srReplace: {
    keys: 4,
    lua: `
if redis.call('EXISTS', KEYS[4]) == 1 then return {'!'} end
local old = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'n', ARGV[3], 'u', ARGV[2], 'k', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
if not old or old == ARGV[1] then return {'', ''} end
return {old, redis.call('HGET', ARGV[5] .. 'peer:' .. old, 'n') or ''}`,
  },
} as const;

type Arg = string | number;

/** The scripts as typed calls (ioredis sends EVALSHA and falls back to EVAL after a Redis restart). */
export interface ScriptCommands {
  srClaim(...args: Arg[]): Promise<number>;
  srRelease(...args: Arg[]): Promise<number>;
  srJoin(...args: Arg[]): Promise<[number, string[]?]>;
  srLeave(...args: Arg[]): Promise<string[] | null>;
  srHeartbeat(...args: Arg[]): Promise<[string, number, number]>;
  srDeadNodes(...args: Arg[]): Promise<string[]>;
  srReap(...args: Arg[]): Promise<[number, number]>;
  srPurge(...args: Arg[]): Promise<number>;
  srEnsure(...args: Arg[]): Promise<[number, number]>;
  srAdopt(...args: Arg[]): Promise<[string, string[]?]>;
  srReplace(...args: Arg[]): Promise<[string, string?]>;
}

/** Register the scripts on a connection and return it with the typed script calls. */
export function withScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
  }
  return redis as Redis & ScriptCommands;
}
