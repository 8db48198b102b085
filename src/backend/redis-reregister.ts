/**
 * Make Redis agree with what this node actually holds: forget the peers Redis still lists for it
 * but that are gone (they left while Redis was unreachable: their rooms are told now), and write
 * back every live peer's username, record and membership (after Redis lost its data, or after
 * the other nodes declared this node dead).
 */
import type { Logger } from 'pino';
import { guarded } from './redis-connection.js';
import { memberJson, parseMembers, type StoredMember } from './redis-members.js';
import type { RedisNode } from './redis-node.js';
import type { LocalPeer } from './local-peers.js';

/** Why the node re-registers. */
export type ReregisterMode =
  /** Redis came back with its data: repair what changed while it was unreachable. */
  | 'reconnect'
  /** Redis lost its data: write everything back; no one is told (nothing changed for clients). */
  | 'restart'
  /** The other nodes removed this node's peers as dead: write them back and announce them again. */
  | 'reaped';

const CHUNK = 500;

/** Re-register this node's peers; resolves with how many live peers were written back. */
export async function reregister(node: RedisNode, mode: ReregisterMode, log: Logger): Promise<number> {
  const redis = node.command();
  const listed = await guarded(() => redis.smembers(node.keys.nodePeers(node.nodeId)));
  const gone = listed.filter((id) => !node.peers.has(id));
  for (let i = 0; i < gone.length; i += CHUNK) {
    const chunk = gone.slice(i, i + CHUNK);
    await guarded(() => redis.srPurge(node.keys.prefix, node.nodeId, ...chunk));
  }
  const ids = node.peers.ids();
  let written = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    // One chunk in flight at a time; ioredis pipelines the chunk over the one connection.
    await Promise.all(
      ids.slice(i, i + CHUNK).map(async (id) => {
        const live = node.peers.get(id);
        if (!live) return; // released since the chunk was listed
        const peer = { ...live }; // as written: the peer may change meanwhile
        written++;
        const conflict = await ensure(node, id, peer, mode);
        node.peers.leaveReported(id, peer.leftRoom);
        if (conflict)
          log.warn({ peerId: id, username: peer.username }, 'username claimed by another peer meanwhile');
      }),
    );
  }
  if (gone.length > 0) log.info({ peers: gone.length }, 'purged peers that left while Redis was unreachable');
  return written;
}

// Write one live peer back as it is (a membership Redis has but the node does not is removed by
// the script, which announces it); true when another peer holds its username now.
async function ensure(node: RedisNode, id: string, peer: LocalPeer, mode: ReregisterMode): Promise<boolean> {
  const redis = node.command();
  const keys = node.keys;
  const room = peer.room ?? '';
  const [conflict, readded] = await guarded(() =>
    redis.srEnsure(
      keys.prefix,
      node.nodeId,
      id,
      peer.username,
      peer.usernameKey,
      room,
      peer.seq,
      memberJson(peer.username, node.nodeId, peer.seq),
      peer.leftRoom ?? '',
    ),
  );
  if (readded === 1 && mode === 'reaped' && room !== '') {
    const members = parseMembers(Object.entries(await guarded(() => redis.hgetall(keys.room(room)))).flat());
    reannounce(node, room, { id, username: peer.username }, peer.seq, members);
  }
  return conflict === 1;
}

// A membership re-added after this node was declared dead: its members on other nodes were told
// it left, so they hear it join again.
function reannounce(
  node: RedisNode,
  room: string,
  peer: { id: string; username: string },
  seq: number,
  members: StoredMember[],
): void {
  const remote = members.filter((m) => m.node !== node.nodeId && m.id !== peer.id);
  node.tellMembers({ t: 'join', room, peer, node: node.nodeId, seq }, remote);
}
