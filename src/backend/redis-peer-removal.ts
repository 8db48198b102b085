/**
 * Forgetting peers in Redis and telling their rooms: a dead node's peers, reaped by whichever live
 * node gets there first, and this node's own peers that are gone but still recorded (purged on
 * repair and at shutdown).
 *
 * A peer's record (its node's hash) names its username key and room; removing it means freeing
 * the username if the peer still holds it and leaving the room, each a single-key step on its own
 * slot, all of a batch pipelined. A dead node's records are first MOVED to its reaping hash by one
 * script (srTakePeers: only while the node's heartbeat is lapsed, for one reaper at a time), so
 * each record is removed by one node, and a reaper that dies halfway leaves the rest where the
 * next one finds them. Every step is idempotent; what cannot be redone is an announcement: the
 * PEER_LEFT_ROOM of a peer whose removal a dying reaper finished but never published is lost.
 *
 * The script moves at most a batch (a few hundred records) at a time, so Redis never runs one
 * command for more than a fraction of a millisecond, however many peers the dead node had.
 */
import { parseMembers, parseRecord, type PeerRecord } from './redis-members.js';
import type { RedisNode } from './redis-node.js';
import { unindexIfEmptied } from './redis-room-index.js';

/** A peer id with its record. */
export type RecordedPeer = [string, PeerRecord];

/**
 * Remove `peers` of node `owner` from their username and room keys and tell their rooms; how many
 * left a room. Members on `owner` itself are not told: when it is this node (a purge), they were
 * told when the peer left; when it is a dead node, they are dead with it, or, when it was only
 * stalled past its timeout, still there with the peer, and it writes the membership back
 * (redis-reregister.ts): a leave would make its mirror refuse relays between them, and its
 * re-announcement goes to the other nodes only.
 */
export async function removePeers(
  node: RedisNode,
  owner: string,
  peers: readonly RecordedPeer[],
): Promise<number> {
  if (peers.length === 0) return 0;
  const keys = node.keys;
  const lefts = await node.run((r) =>
    Promise.all(
      peers.map(async ([id, rec]) => {
        const [, left] = await Promise.all([
          rec.k ? r.srRelease(keys.user(rec.k), id) : null,
          rec.r ? r.srLeave(keys.room(rec.r), id) : null,
        ]);
        return left;
      }),
    ),
  );
  let left = 0;
  peers.forEach(([id, rec], i) => {
    const flat = lefts[i];
    if (flat === null || flat === undefined) return;
    unindexIfEmptied(node, rec.r, flat);
    left++;
    const members = parseMembers(flat).filter((m) => m.node !== owner);
    if (members.length === 0) return;
    node.tellMembers({ t: 'leave', room: rec.r, peer: { id, username: rec.u }, seq: rec.s }, members);
  });
  return left;
}

/** Purge this node's records of peers it no longer holds (as read from its hash). */
export async function purgePeers(node: RedisNode, peers: readonly RecordedPeer[]): Promise<void> {
  if (peers.length === 0) return;
  await removePeers(node, node.nodeId, peers);
  await node.run((r) => r.hdel(node.keys.nodePeers(node.nodeId), ...peers.map(([id]) => id)));
}

/** What {@link reapNode} did. */
export interface ReapResult {
  /** Peers removed. */
  removed: number;
  /** Every record is gone and the node unregistered (false: alive again, someone else reaping, or more left). */
  done: boolean;
}

/**
 * Reap dead node `dead`: take up to `batch` of its records per script call, at most `maxBatches`
 * calls, remove them and tell their rooms; unregister it once none is left.
 */
export async function reapNode(
  node: RedisNode,
  dead: string,
  batch: number,
  maxBatches: number,
  leaseMs: number,
): Promise<ReapResult> {
  const keys = node.keys;
  let removed = 0;
  // Senders of relays the dead node never acknowledged hear UNAVAILABLE before its rooms hear it left.
  node.acks.sweep();
  for (let i = 0; i < maxBatches; i++) {
    const [status, flat] = await node.run((r) =>
      r.srTakePeers(
        keys.nodeAlive(dead),
        keys.nodePeers(dead),
        keys.nodeReaping(dead),
        keys.nodeReaper(dead),
        node.nodeId,
        leaseMs,
        batch,
      ),
    );
    if (status < 0) return { removed, done: false };
    if (status === 1) {
      await node.run((r) => r.srForgetNode(keys.nodes(), dead));
      node.forgetNode(dead);
      return { removed, done: true };
    }
    const peers: RecordedPeer[] = [];
    for (let j = 0; j + 1 < (flat ?? []).length; j += 2) {
      peers.push([(flat as string[])[j] as string, parseRecord((flat as string[])[j + 1] as string)]);
    }
    await removePeers(node, dead, peers);
    removed += peers.length;
    await node.run((r) => r.hdel(keys.nodeReaping(dead), ...peers.map(([id]) => id)));
  }
  return { removed, done: false };
}

/** The records of this node's hash, by peer id. */
export async function ownRecords(node: RedisNode): Promise<Map<string, PeerRecord>> {
  const flat = await node.run((r) => r.hgetall(node.keys.nodePeers(node.nodeId)));
  const records = new Map<string, PeerRecord>();
  for (const [id, json] of Object.entries(flat)) records.set(id, parseRecord(json));
  return records;
}
