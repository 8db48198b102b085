/**
 * Forgetting peers of a node in Redis and telling their rooms: a dead node's peers, reaped by
 * whichever live nodes notice (exactly one of them removes each peer), and this node's own peers
 * that are gone but still listed (purged on repair and at shutdown).
 *
 * The script touches only keys it is given, so the peers' records are read first (one pipelined
 * round trip) for their username and room keys; a record that changed in between is read again.
 * The script returns the members left in each room and this node publishes the PEER_LEFT_ROOM
 * messages right after the reply, on the same connection, before anything else it sends.
 */
import { guarded } from './redis-connection.js';
import { parseMembers } from './redis-members.js';
import type { RedisNode } from './redis-node.js';

/** `reap`: the owner is dead (checked in Redis), every member is told. `purge`: the owner is this node, whose members were told already. */
export type RemovalMode = 'reap' | 'purge';

/** What one {@link removePeers} call did. */
export interface RemovalResult {
  /** Peers removed by this call. */
  removed: number;
  /** The owner has no peers listed any more (a reaped owner is unregistered), or is alive again. */
  done: boolean;
}

// Reading a record and removing it are two steps; a record changing between them this often in a
// row is left for the next round.
const MAX_ATTEMPTS = 3;

/** Remove the peers `ids` listed for node `owner` from Redis and tell their rooms. */
export async function removePeers(
  node: RedisNode,
  owner: string,
  ids: readonly string[],
  mode: RemovalMode,
): Promise<RemovalResult> {
  const keys = node.keys;
  let pending = ids;
  let removed = 0;
  let done = false;
  for (let attempt = 1; attempt === 1 || (pending.length > 0 && attempt <= MAX_ATTEMPTS); attempt++) {
    const records = await readRecords(node, pending);
    const names = [keys.nodes(), keys.nodePeers(owner)];
    const args = [owner, mode === 'reap' ? '1' : '0'];
    pending.forEach((id, i) => {
      const { usernameKey, room } = records[i] ?? { usernameKey: '', room: '' };
      const own = keys.peer(id);
      names.push(own, usernameKey ? keys.user(usernameKey) : own, room ? keys.room(room) : own);
      args.push(id, usernameKey, room);
    });
    const redis = node.command();
    const [status, ...outcomes] = await guarded(() => redis.srRemovePeers(names.length, ...names, ...args));
    if (status === -1) return { removed, done: true };
    done = status === 1;
    const changed: string[] = [];
    outcomes.forEach(([state, username, seq, flat], i) => {
      const id = pending[i] as string;
      if (state === 'changed') changed.push(id);
      if (state !== 'gone') return;
      removed++;
      const room = records[i]?.room ?? '';
      const members = parseMembers(flat).filter((m) => mode === 'reap' || m.node !== node.nodeId);
      if (room !== '' && members.length > 0) {
        const event = { t: 'leave', room, peer: { id, username }, seq: Number(seq) || 0 } as const;
        node.tellMembers(event, members);
      }
    });
    pending = changed;
  }
  return { removed, done };
}

/** Reap a dead node's peers, `batch` per script call, at most `maxBatches` calls; how many were removed. */
export async function reapNode(
  node: RedisNode,
  dead: string,
  batch: number,
  maxBatches: number,
): Promise<number> {
  const redis = node.command();
  let removed = 0;
  for (let i = 0; i < maxBatches; i++) {
    const ids = await guarded(() => redis.srandmember(node.keys.nodePeers(dead), batch));
    const result = await removePeers(node, dead, ids, 'reap');
    removed += result.removed;
    if (result.done) break;
  }
  return removed;
}

// The username key and room of each peer record, '' where there is none.
function readRecords(
  node: RedisNode,
  ids: readonly string[],
): Promise<Array<{ usernameKey: string; room: string }>> {
  if (ids.length === 0) return Promise.resolve([]);
  const redis = node.command();
  return guarded(async () => {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(node.keys.peer(id), 'k', 'r');
    const replies = await pipeline.exec();
    return ids.map((_, i) => {
      const [err, fields] = replies?.[i] ?? [new Error('no reply in the pipeline'), null];
      if (err) throw err;
      const [usernameKey, room] = (fields ?? []) as Array<string | null>;
      return { usernameKey: usernameKey ?? '', room: room ?? '' };
    });
  });
}
