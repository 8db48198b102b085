/**
 * The Lua scripts that make shared state changes atomic: Redis runs a script alone, so two nodes
 * racing for the last seat of a room, or reaping one dead node, are serialised and one wins.
 *
 * Every script touches the keys of ONE slot (redis-keys.ts tags keys by room, username or node),
 * so each runs on Redis Cluster as on a single Redis. A change that spans owners is a sequence of
 * single-slot steps ordered so that a crash in between leaves nothing the reaper cannot find: a
 * node writes a peer's record in its own hash before the username or room keys it names, and
 * removes it after them (redis-usernames.ts, redis-rooms.ts). Username uniqueness needs no
 * script at all: `SET … NX` on the username's own key is atomic.
 *
 * A script gets every key it touches in KEYS and stores or returns data, never a message: the
 * caller encodes the announcements of a change (`cluster-messages.ts`) and publishes them.
 */
import type { Redis } from 'ioredis';

const NOW_MS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Script sources with their key counts, registered as ioredis commands. */
const SCRIPTS = {
  // KEYS: room. ARGV: peerId, member JSON, maxPeers.
  // → {1, members before the join (flat id, json…)} (also when already a member), {0} full.
  srJoin: {
    keys: 1,
    lua: `
local all = redis.call('HGETALL', KEYS[1])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {1, all} end
if #all / 2 >= tonumber(ARGV[3]) then return {0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, all}`,
  },
  // KEYS: room. ARGV: peerId. → the members left (flat), or nil when it was not a member.
  srLeave: {
    keys: 1,
    lua: `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return false end
return redis.call('HGETALL', KEYS[1])`,
  },
  // KEYS: user. ARGV: peerId. Free the username if this peer holds it. → 1 freed, 0 not its.
  srRelease: {
    keys: 1,
    lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`,
  },
  // KEYS: user. ARGV: peerId. Re-claim a live peer's username after Redis lost it.
  // → '' when it holds it now, else the id of the peer holding it.
  srEnsureUser: {
    keys: 1,
    lua: `
local holder = redis.call('GET', KEYS[1])
if not holder then redis.call('SET', KEYS[1], ARGV[1]) return '' end
if holder == ARGV[1] then return '' end
return holder`,
  },
  // KEYS: room. ARGV: peerId, member JSON. Write a live peer's membership back as it is.
  // → {1 if it had to be re-added, the members (flat)}.
  srEnsureMember: {
    keys: 1,
    lua: `
local readded = 1 - redis.call('HEXISTS', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {readded, redis.call('HGETALL', KEYS[1])}`,
  },
  // KEYS: room. ARGV: peerId, member JSON. A resumed peer's membership names its new node now.
  // → the members (flat), or nil when it is no longer a member.
  srMoveMember: {
    keys: 1,
    lua: `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('HGETALL', KEYS[1])`,
  },
  // KEYS: nodes, epoch, recovering (the cluster-wide slot). ARGV: node, ttlMs, fresh epoch,
  // recoverMs, epoch this node knows. → {current epoch, 1 if the node was not registered (new, or
  // removed as dead), ms left of the recovering window (negative when none), Redis time (ms),
  // every node and the Redis time its heartbeat expires (flat)}.
  srHeartbeat: {
    keys: 3,
    lua: `${NOW_MS}
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
if ARGV[5] ~= '' and epoch ~= ARGV[5] then redis.call('SET', KEYS[3], '1', 'PX', ARGV[4], 'NX') end
local now = now_ms()
local added = redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return {epoch, added, redis.call('PTTL', KEYS[3]), now, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')}`,
  },
  // KEYS: nodes. ARGV: node. Unregister a reaped node unless its heartbeat is current again. → 1/0.
  srForgetNode: {
    keys: 1,
    lua: `${NOW_MS}
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires or tonumber(expires) > now_ms() then return 0 end
return redis.call('ZREM', KEYS[1], ARGV[1])`,
  },
  // KEYS: the dead node's alive, peers, reaping and reaper keys. ARGV: reaper node, leaseMs, batch.
  // Take up to `batch` records off a dead node for one reaper at a time: they move to the reaping
  // hash, where they stay until the reaper removed them everywhere (a reaper that dies meanwhile
  // leaves them there for the next one, after its lease). → {-1} the node is alive again, {-2}
  // another node is reaping it, {1} nothing left, {0, the records (flat id, json…)}.
  srTakePeers: {
    keys: 4,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
local reaper = redis.call('GET', KEYS[4])
if reaper and reaper ~= ARGV[1] then return {-2} end
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[2])
local pending = redis.call('HGETALL', KEYS[3])
if #pending > 0 then return {0, pending} end
local taken = redis.call('HRANDFIELD', KEYS[2], ARGV[3], 'WITHVALUES')
if #taken == 0 then
  redis.call('DEL', KEYS[4])
  return {1}
end
redis.call('HSET', KEYS[3], unpack(taken))
local ids = {}
for i = 1, #taken, 2 do ids[#ids + 1] = taken[i] end
redis.call('HDEL', KEYS[2], unpack(ids))
return {0, taken}`,
  },
} as const;

type Arg = string | number;

/** The scripts as typed calls (ioredis sends EVALSHA and falls back to EVAL after a Redis restart). */
export interface ScriptCommands {
  srJoin(room: string, ...args: Arg[]): Promise<[number, string[]?]>;
  srLeave(room: string, ...args: Arg[]): Promise<string[] | null>;
  srRelease(user: string, peerId: string): Promise<number>;
  srEnsureUser(user: string, peerId: string): Promise<string>;
  srEnsureMember(room: string, ...args: Arg[]): Promise<[number, string[]]>;
  srMoveMember(room: string, ...args: Arg[]): Promise<string[] | null>;
  srHeartbeat(...args: Arg[]): Promise<[string, number, number, number, string[]]>;
  srForgetNode(nodes: string, node: string): Promise<number>;
  srTakePeers(...args: Arg[]): Promise<[number, string[]?]>;
}

/** Register the scripts on a connection (a client or a cluster) and return it with the typed calls. */
export function withScripts(redis: Redis): Redis & ScriptCommands {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    redis.defineCommand(name, { numberOfKeys: script.keys, lua: script.lua });
  }
  return redis as Redis & ScriptCommands;
}

/** The Lua source and key count of every script by name (for tests that check what they may do). */
export const SCRIPT_SOURCES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, script]) => [name, script.lua]),
);
