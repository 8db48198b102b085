/**
 * Joining and leaving rooms on the Redis backend: the atomic scripts decide, the node's mirror of
 * the room follows, and the room's members are told on their own nodes (directly here, over the
 * node channels elsewhere), exactly the recipients the atomic step returned.
 */
import type { JoinOutcome } from './backend.js';
import { BackendUnavailableError } from './backend.js';
import type { PeerInfo } from '../protocol/messages.js';
import { encodePeerEvent } from '../protocol/encode.js';
import { guarded } from './redis-connection.js';
import type { RedisBackend } from './redis.js';
import type { MirrorMember, RoomMirror } from './room-mirror.js';

/** A room member as stored in the room hash. */
export interface StoredMember extends MirrorMember {
  id: string;
}

/** Room operations of one Redis backend. */
export class RedisRooms {
  constructor(private readonly backend: RedisBackend) {}

  async joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome> {
    const b = this.backend;
    const redis = b.command();
    const seq = b.nextSeq();
    const mirror = b.mirrorFor(roomId);
    mirror.beginJoin(peer.id);
    let reply: [number, string[]?];
    try {
      reply = await guarded(() =>
        redis.srJoin(
          b.keys.room(roomId),
          b.keys.peer(peer.id),
          b.keys.recovering(),
          peer.id,
          memberJson(peer.username, b.nodeId, seq),
          maxPeers,
          roomId,
          seq,
        ),
      );
    } catch (err) {
      b.forgetLocalMember(roomId, peer.id);
      b.markDirty();
      throw err;
    }
    if (reply[0] !== 1) {
      b.forgetLocalMember(roomId, peer.id);
      if (reply[0] === -1)
        throw new BackendUnavailableError('The cluster is re-registering after a Redis restart');
      return { ok: false, reason: 'full' };
    }
    const members = parseMembers(reply[1] ?? []).filter((m) => m.id !== peer.id);
    for (const m of members) mirror.add(m.id, m);
    mirror.add(peer.id, { username: peer.username, node: b.nodeId, seq });
    const record = b.localPeers.get(peer.id);
    if (record) {
      record.room = roomId;
      record.seq = seq;
    }
    return { ok: true, members: members.map((m) => ({ id: m.id, username: m.username })) };
  }

  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void {
    const b = this.backend;
    const mirror = b.mirror(roomId);
    if (!mirror) return;
    const frame = encodePeerEvent('NEW_PEER_IN_ROOM', roomId, peer);
    const remote = new Map<string, string[]>();
    for (const r of recipients) {
      const node = mirror.member(r.id)?.node;
      if (node === undefined) continue; // left since the join: it will not hear of the joiner
      if (node === b.nodeId) mirror.deliverTo(r.id, () => b.delivery()?.deliverLocal(r.id, frame));
      else remote.set(node, [...(remote.get(node) ?? []), r.id]);
    }
    const seq = mirror.member(peer.id)?.seq ?? 0;
    for (const [node, to] of remote) {
      b.publish(node, { t: 'join', room: roomId, peer: pick(peer), node: b.nodeId, seq, to });
    }
    // The joiner has its ROOM_MEMBERS now: hand it what arrived for it meanwhile.
    mirror.completeJoin(peer.id);
  }

  async leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    const b = this.backend;
    const mirror = b.mirror(roomId);
    const record = b.localPeers.get(peer.id);
    const seq = mirror?.member(peer.id)?.seq ?? record?.seq ?? 0;
    if (record?.room === roomId) record.room = null;
    let left: StoredMember[] | null;
    try {
      const redis = b.command();
      const reply = await guarded(() =>
        redis.srLeave(b.keys.room(roomId), b.keys.peer(peer.id), peer.id, roomId),
      );
      left = reply === null ? null : parseMembers(reply);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      if (record) record.leftRoom = roomId;
      // Leaving always succeeds: members here are told now, those on other nodes when Redis is
      // back (the re-registration purges the membership and publishes the PEER_LEFT_ROOM).
      b.markDirty();
      left = mirror ? membersOf(mirror, b.nodeId, peer.id) : null;
    }
    if (mirror) {
      mirror.remove(peer.id, seq);
      b.forgetLocalMember(roomId, peer.id);
    }
    if (left === null) return;
    const frame = encodePeerEvent('PEER_LEFT_ROOM', roomId, peer);
    const remote = new Map<string, string[]>();
    for (const m of left) {
      if (m.node === b.nodeId) mirror?.deliverTo(m.id, () => b.delivery()?.deliverLocal(m.id, frame));
      else remote.set(m.node, [...(remote.get(m.node) ?? []), m.id]);
    }
    for (const [node, to] of remote) b.publish(node, { t: 'leave', room: roomId, peer: pick(peer), seq, to });
  }

  async roomMembers(roomId: string): Promise<PeerInfo[]> {
    const b = this.backend;
    const redis = b.command();
    const flat = await guarded(() => redis.hgetall(b.keys.room(roomId)));
    return Object.entries(flat).map(([id, json]) => ({ id, username: parseMember(id, json).username }));
  }
}

/** The room-hash value of a member. */
export function memberJson(username: string, node: string, seq: number): string {
  return JSON.stringify({ u: username, n: node, s: seq });
}

function parseMember(id: string, json: string): StoredMember {
  const v = JSON.parse(json) as { u?: unknown; n?: unknown; s?: unknown };
  return { id, username: String(v.u ?? ''), node: String(v.n ?? ''), seq: Number(v.s ?? 0) };
}

/** Members from a flat HGETALL reply (id, json, id, json…). */
export function parseMembers(flat: readonly string[]): StoredMember[] {
  const out: StoredMember[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push(parseMember(flat[i] as string, flat[i + 1] as string));
  return out;
}

function membersOf(mirror: RoomMirror, nodeId: string, except: string): StoredMember[] {
  return mirror
    .localMembers()
    .filter((id) => id !== except)
    .map((id) => ({ id, username: '', node: nodeId, seq: 0 }));
}

function pick(peer: PeerInfo): PeerInfo {
  return { id: peer.id, username: peer.username };
}
