/**
 * Make Redis agree with what this node actually holds: forget the peers its hash still records
 * but that are gone (they left while Redis was unreachable: their rooms are told now), and write
 * back every live peer's record, username and membership (after Redis lost data, after a failover
 * lost the last writes, or after the other nodes declared this node dead).
 */
import type { Logger } from 'pino';
import { memberJson, parseMembers, recordJson, type PeerRecord, type StoredMember } from './redis-members.js';
import type { RedisNode } from './redis-node.js';
import type { LocalPeer } from './local-peers.js';
import { ownRecords, purgePeers, type RecordedPeer } from './redis-peer-removal.js';
import { indexRoom, unindexIfEmptied } from './redis-room-index.js';

/** Why the node re-registers. */
export type ReregisterMode =
  /** Redis came back with its data: repair what changed while it was unreachable. */
  | 'reconnect'
  /** Redis lost its data: write everything back; no one is told (nothing changed for clients). */
  | 'restart'
  /** The other nodes removed this node's peers as dead: write them back and announce them again. */
  | 'reaped';

const CHUNK = 500;

/** Re-register this node's peers; resolves with how many live peers were written back (those still held). */
export async function reregister(node: RedisNode, mode: ReregisterMode, log: Logger): Promise<number> {
  const records = await ownRecords(node);
  const gone: RecordedPeer[] = [...records].filter(([id]) => !node.peers.has(id));
  for (let i = 0; i < gone.length; i += CHUNK) await purgePeers(node, gone.slice(i, i + CHUNK));
  const ids = node.peers.ids();
  let written = 0;
  let deferred = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk: Array<[string, LocalPeer, ReregisterMode]> = [];
    for (const id of ids.slice(i, i + CHUNK)) {
      const live = node.peers.get(id);
      if (!live) continue;
      // A join in flight wrote (or is writing) its record before this HSET, naming a room the
      // peer is not in yet here: writing the peer as it is now would take that name away from the
      // membership the join makes (a ghost if this node dies), and ensure would leave that room
      // as stale, maybe after the join's script added the membership. The next heartbeat repairs
      // the peer as the join left it: a join announces the peer itself, but one that fails after
      // a false death leaves the peer in its old room, whose membership the other nodes saw end
      // under its seq (under that seq again, they would refuse relays to it), so that repair
      // writes it back as in 'reaped' mode whatever its own mode (LocalPeers.reapedDeferred). A
      // join starting after this read writes its record after this HSET (same key, issued later):
      // no deferral is needed then.
      if (live.joining !== undefined) {
        deferred++;
        if (mode === 'reaped') node.peers.reapedDeferred(id);
        continue;
      }
      const peerMode = live.reaped ? 'reaped' : mode;
      if (peerMode === 'reaped') renumber(node, id, live);
      chunk.push([id, { ...live }, peerMode]); // as written now (ensure reads the peer again)
    }
    if (chunk.length === 0) continue;
    // The records first, as for a claim or a join: then the keys they name (one chunk in flight).
    await node.run((r) =>
      r.hset(
        node.keys.nodePeers(node.nodeId),
        Object.fromEntries(
          chunk.map(([id, p]) => [id, recordJson(p.username, p.usernameKey, p.room, p.seq)]),
        ),
      ),
    );
    await Promise.all(
      chunk.map(async ([id, , peerMode]) => {
        // The peer as it is now, not as written: a release, leave or move away while the records
        // were in flight issued its own commands after them, and ensure's go after those, so a
        // stale snapshot would claim a freed username again (named by no record: held for good)
        // or re-add a left membership. Gone: its own steps cleaned up (its record's HDEL too, issued
        // after the HSET above). Read and issued in one tick (ensure issues before awaiting), so a
        // change after this read issues its commands after ensure's, on the same keys.
        const live = node.peers.get(id);
        if (!live) return;
        const peer = { ...live };
        written++;
        const conflict = await ensure(node, id, peer, records.get(id), peerMode);
        node.peers.leaveReported(id, peer.leftRoom);
        if (peerMode === 'reaped') node.peers.reapedRepaired(id);
        if (conflict)
          log.warn({ peerId: id, username: peer.username }, 'username claimed by another peer meanwhile');
      }),
    );
  }
  if (gone.length > 0) log.info({ peers: gone.length }, 'purged peers that left while Redis was unreachable');
  if (deferred > 0) {
    node.markDirty();
    log.info({ peers: deferred }, 'peers joining a room are re-registered at the next heartbeat');
  }
  return written;
}

// The reaper told the other nodes that the peer's membership ended, under its seq: their mirrors
// keep that leave and ignore a join under the same seq (room-mirror.ts), so the membership written
// back, its record and its announcement carry a new one, or the other nodes would refuse relays to
// the peer as to a stranger while their clients had heard it join again. This node's mirror
// follows, so the peer's next leave carries the new seq too (a leave under the old one would not
// remove it elsewhere). A membership the reaper had not removed yet gets the new seq as well: the
// other nodes keep the old one until its leave, which is newer than both.
function renumber(node: RedisNode, id: string, peer: LocalPeer): void {
  if (!peer.room) return;
  const seq = node.nextSeq();
  node.peers.renumbered(id, peer.room, seq);
  node.mirrors.get(peer.room)?.add(id, { username: peer.username, node: node.nodeId, seq });
}

// Write one live peer's username and membership back as they are; true when another peer holds
// its username now. A membership Redis may still have but the node does not is removed: announced
// to everyone if the peer left it while Redis was unreachable, else (the join's reply was lost,
// so nobody was told of the join) only to those who joined after it and saw it in ROOM_MEMBERS.
async function ensure(
  node: RedisNode,
  id: string,
  peer: LocalPeer,
  stored: PeerRecord | undefined,
  mode: ReregisterMode,
): Promise<boolean> {
  const keys = node.keys;
  const room = peer.room ?? '';
  // room → the membership seq, and whether everyone there is told (or only later joiners)
  const stale = new Map<string, { seq: number; all: boolean }>();
  const storedSeq = (r: string) => (stored?.r === r ? stored.s : peer.seq);
  if (peer.leftRoom && peer.leftRoom !== room)
    stale.set(peer.leftRoom, { seq: storedSeq(peer.leftRoom), all: true });
  if (stored?.r && stored.r !== room && !stale.has(stored.r))
    stale.set(stored.r, { seq: stored.s, all: false });
  const [holder, member, lefts] = await node.run((r) =>
    Promise.all([
      peer.usernameKey ? r.srEnsureUser(keys.user(peer.usernameKey), id) : '',
      room ? r.srEnsureMember(keys.room(room), id, memberJson(peer.username, node.nodeId, peer.seq)) : null,
      Promise.all([...stale.keys()].map((s) => r.srLeave(keys.room(s), id))),
      room ? indexRoom(r, node, room) : null,
    ]),
  );
  const self = { id, username: peer.username };
  [...stale].forEach(([leftRoom, { seq, all }], i) => {
    const flat = lefts[i];
    unindexIfEmptied(node, leftRoom, flat ?? null);
    if (!flat) return;
    const told = parseMembers(flat).filter((m) => m.node !== node.nodeId && (all || m.seq > seq));
    node.tellMembers({ t: 'leave', room: leftRoom, peer: self, seq }, told);
  });
  if (member && member[0] === 1 && mode === 'reaped') {
    const members = parseMembers(member[1]);
    catchUp(node, room, members);
    reannounce(node, room, self, peer.seq, members);
  }
  return holder !== '';
}

// While this node was counted dead, the joins on other nodes were told to the members Redis
// listed, none of this node's: its members in the room hear of them now (before those hear of
// them, so none hears from a stranger), from the members the re-add returned. That list is a
// snapshot, so it only adds, as a join's reply does (room-mirror.ts): a member the mirror knows
// already is not told twice, one whose leave it has is not brought back. The first re-added peer
// of the room tells every local member, the others find nothing new. Leaves meanwhile cannot be
// told from a snapshot (a member missing from it may have joined after it): relays to such a
// member are dropped by its node.
function catchUp(node: RedisNode, room: string, members: StoredMember[]): void {
  const mirror = node.mirrors.get(room);
  if (!mirror) return;
  for (const m of members) {
    if (m.node === node.nodeId || mirror.member(m.id) || !mirror.add(m.id, m)) continue;
    const peer = { id: m.id, username: m.username };
    node.receiveRoomEvent({ t: 'join', room, peer, node: m.node, seq: m.seq }, mirror.localMembers());
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
