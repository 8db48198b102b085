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
import { removePeers } from './redis-peer-removal.js';

/** Why the node re-registers. */
export type ReregisterMode =
  /** Redis came back with its data: repair what changed while it was unreachable. */
  | 'reconnect'
  /** Redis lost its data: write everything back; no one is told (nothing changed for clients). */
  | 'restart'
  /** The other nodes removed this node's peers as dead: write them back and announce them again. */
  | 'reaped';

const CHUNK = 500;
// The script names the room it found when it is not the one guessed; one more call then does it.
const MAX_ENSURE_ATTEMPTS = 3;

/** Re-register this node's peers; resolves with how many live peers were written back. */
export async function reregister(node: RedisNode, mode: ReregisterMode, log: Logger): Promise<number> {
  const redis = node.command();
  const listed = await guarded(() => redis.smembers(node.keys.nodePeers(node.nodeId)));
  const gone = listed.filter((id) => !node.peers.has(id));
  for (let i = 0; i < gone.length; i += CHUNK) {
    await removePeers(node, node.nodeId, gone.slice(i, i + CHUNK), 'purge');
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

// Write one live peer back as it is; true when another peer holds its username now. A membership
// Redis still has but the node does not is removed: announced to everyone if the peer left it
// while Redis was unreachable, else only to those who joined after it (a join whose reply was
// lost was never announced; later joiners saw it in ROOM_MEMBERS).
async function ensure(node: RedisNode, id: string, peer: LocalPeer, mode: ReregisterMode): Promise<boolean> {
  const redis = node.command();
  const keys = node.keys;
  const room = peer.room ?? '';
  let stale = peer.leftRoom ?? '';
  for (let attempt = 1; ; attempt++) {
    const reply = await guarded(() =>
      redis.srEnsure(
        keys.user(peer.usernameKey),
        keys.peer(id),
        keys.nodePeers(node.nodeId),
        room === '' ? keys.peer(id) : keys.room(room),
        stale === '' ? keys.peer(id) : keys.room(stale),
        node.nodeId,
        id,
        peer.username,
        peer.usernameKey,
        room,
        peer.seq,
        memberJson(peer.username, node.nodeId, peer.seq),
        stale,
      ),
    );
    if (reply[0] === 0) {
      if (attempt === MAX_ENSURE_ATTEMPTS) throw new Error('srEnsure: the peer record keeps changing');
      stale = reply[1];
      continue;
    }
    const [, conflict, readded, leftRoom, leftSeq, flat] = reply;
    const self = { id, username: peer.username };
    if (leftRoom !== '') {
      const seq = Number(leftSeq) || 0;
      const told = parseMembers(flat).filter(
        (m) => m.node !== node.nodeId && (leftRoom === peer.leftRoom || m.seq > seq),
      );
      node.tellMembers({ t: 'leave', room: leftRoom, peer: self, seq }, told);
    }
    if (readded === 1 && mode === 'reaped' && room !== '') {
      const members = parseMembers(
        Object.entries(await guarded(() => redis.hgetall(keys.room(room)))).flat(),
      );
      reannounce(node, room, self, peer.seq, members);
    }
    return conflict === 1;
  }
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
