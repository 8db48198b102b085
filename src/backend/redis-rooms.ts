/**
 * Joining and leaving rooms on the Redis backend: the atomic scripts on the room's slot decide,
 * the node's mirror of the room follows, and the room's members are told on their own nodes
 * (directly here, over the node channels elsewhere), exactly the recipients the atomic step
 * returned.
 *
 * Before a join, the peer's record in its node's hash names the room, so a node killed right
 * after the join leaves a membership its reaper finds. A leave keeps that name: the reaper or the
 * node's repair then tries a room the peer is no longer in, which changes nothing.
 */
import type { JoinOutcome } from './backend.js';
import { BackendUnavailableError, KickUnconfirmedError } from './backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { memberJson, parseMember, parseMembers, recordJson, type StoredMember } from './redis-members.js';
import type { MemberRef, RedisNode } from './redis-node.js';
import { indexRoom, unindexIfEmptied } from './redis-room-index.js';

/** Room operations of one node. */
export class RedisRooms {
  constructor(
    private readonly node: RedisNode,
    /** How long a kick waits for the node holding the peer to act (ms). */
    private readonly kickConfirmMs = 3000,
  ) {}

  /** Atomically join `roomId` unless it holds `maxPeers`; the members before the join. */
  async joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome> {
    const node = this.node;
    const keys = node.keys;
    const seq = node.nextSeq();
    const mirror = node.mirrors.ensure(roomId);
    mirror.beginJoin(peer.id);
    const usernameKey = node.peers.get(peer.id)?.usernameKey ?? '';
    // Until the reply, the record names the room while the peer's state here does not: a
    // re-registration meanwhile leaves the peer alone (redis-reregister.ts).
    node.peers.joinStarted(peer.id, roomId);
    let settled = false;
    const forget = () => {
      settled = true;
      node.mirrors.forgetLocal(roomId, peer.id);
      node.peers.joinFailed(peer.id, roomId);
    };
    try {
      const [, recovering, reply] = await node.inOrder(
        (r) =>
          r.hset(keys.nodePeers(node.nodeId), peer.id, recordJson(peer.username, usernameKey, roomId, seq)),
        (r) => r.exists(keys.recovering()),
        (r) => r.srJoin(keys.room(roomId), peer.id, memberJson(peer.username, node.nodeId, seq), maxPeers),
      );
      if (recovering === 1) {
        // The cluster re-registers after a data loss: the room may not list everyone yet.
        forget();
        await node
          .run((r) => r.srLeave(keys.room(roomId), peer.id))
          .then((left) => unindexIfEmptied(node, roomId, left))
          .catch(() => node.markDirty());
        throw new BackendUnavailableError('The cluster is re-registering after a Redis restart');
      }
      if (reply[0] !== 1) {
        forget();
        return { ok: false, reason: 'full' };
      }
      const members = parseMembers(reply[1] ?? []).filter((m) => m.id !== peer.id);
      // A join that made the room lists it, after the join, so a room emptied and unlisted meanwhile
      // is listed again (redis-room-index.ts); a join into a room with members needs not (whoever
      // made it listed it). Not awaited: a listing may lag by a round trip; if it fails, the repair
      // lists the room.
      if (members.length === 0) node.run((r) => indexRoom(r, node, roomId)).catch(() => node.markDirty());
      for (const m of members) mirror.add(m.id, m);
      mirror.add(peer.id, { username: peer.username, node: node.nodeId, seq });
      node.peers.joined(peer.id, roomId, seq);
      return { ok: true, members: members.map((m) => ({ id: m.id, username: m.username })) };
    } catch (err) {
      // A failed call, or anything else that ends the join before it settled (a corrupt stored
      // member the reply could not parse): a peer left `joining` would be skipped by every
      // re-registration. Redis may list the membership: the repair removes it (the record names
      // the room).
      if (!settled) {
        forget();
        node.markDirty();
      }
      throw err;
    }
  }

  /** Tell the members the join returned that `peer` arrived, then release what waited for it. */
  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void {
    const node = this.node;
    const mirror = node.mirrors.get(roomId);
    if (!mirror) return;
    const members: MemberRef[] = [];
    for (const r of recipients) {
      const at = mirror.member(r.id)?.node;
      // One that left since the join will not hear of the joiner.
      if (at !== undefined) members.push({ id: r.id, node: at });
    }
    const seq = mirror.member(peer.id)?.seq ?? 0;
    node.tellMembers({ t: 'join', room: roomId, peer: pick(peer), node: node.nodeId, seq }, members);
    // The joiner has its ROOM_MEMBERS now: hand it what arrived for it meanwhile.
    mirror.completeJoin(peer.id);
  }

  /** Atomically leave `roomId` and tell the members left behind; succeeds while Redis is down too. */
  async leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    const node = this.node;
    const mirror = node.mirrors.get(roomId);
    const member = mirror?.member(peer.id);
    const seq = member?.seq ?? node.peers.get(peer.id)?.seq ?? 0;
    // Before the call, so a re-registration running meanwhile does not write the membership back.
    node.peers.left(peer.id, roomId);
    let left: StoredMember[] | null;
    try {
      const reply = await node.run((r) => r.srLeave(node.keys.room(roomId), peer.id));
      left = reply === null ? null : parseMembers(reply);
      unindexIfEmptied(node, roomId, reply);
      // Redis no longer lists a member this node has: the other nodes declared this node dead and
      // reaped the membership before the re-registration wrote it back. The reaper told only the
      // members elsewhere (redis-peer-removal.ts): those here hear of the leave now, or they would
      // keep the peer for good.
      if (left === null && mirror && member) left = localMembers(mirror.localMembers(), node.nodeId, peer.id);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      node.peers.leaveUnreported(peer.id, roomId);
      // Leaving always succeeds: members here are told now, those on other nodes when Redis is
      // back (the re-registration purges the membership and publishes the PEER_LEFT_ROOM).
      node.markDirty();
      left = mirror ? localMembers(mirror.localMembers(), node.nodeId, peer.id) : null;
    }
    if (mirror) {
      mirror.remove(peer.id, seq);
      node.mirrors.forgetLocal(roomId, peer.id);
    }
    if (left !== null) node.tellMembers({ t: 'leave', room: roomId, peer: pick(peer), seq }, left);
  }

  /** Everyone in a room, on every node. */
  async roomMembers(roomId: string): Promise<PeerInfo[]> {
    const node = this.node;
    const flat = await node.run((r) => r.hgetall(node.keys.room(roomId)));
    return Object.entries(flat).map(([id, json]) => ({ id, username: parseMember(id, json).username }));
  }

  /** Have the node holding `peerId` close it and leave `roomId`; false when it is not a member. */
  async kick(roomId: string, peerId: string): Promise<boolean> {
    const node = this.node;
    const json = await node.run((r) => r.hget(node.keys.room(roomId), peerId));
    if (json === null) return false;
    const holder = parseMember(peerId, json).node;
    if (holder === node.nodeId) return node.delivery()?.kickLocal(peerId, roomId) ?? false;
    // The peer's node closes it and leaves the room, which tells the members as any leave does.
    if (holder) node.publish(holder, { t: 'kick', room: roomId, to: peerId });
    await this.leftWithin(roomId, peerId, this.kickConfirmMs);
    return true;
  }

  // Resolves once `peerId` is no longer a member of `roomId`: a kick is answered when it has taken
  // effect, not when it was asked for. A holder that does not act in time (hung, or dead and not
  // yet reaped) makes the kick fail as unavailable: the caller may try again, nobody is misled.
  private async leftWithin(roomId: string, peerId: string, withinMs: number): Promise<void> {
    const node = this.node;
    const deadline = Date.now() + withinMs;
    while ((await node.run((r) => r.hexists(node.keys.room(roomId), peerId))) === 1) {
      if (Date.now() >= deadline)
        throw new KickUnconfirmedError(
          `The node holding peer '${peerId}' did not act on the kick within ${withinMs / 1000} s (it may be hung or down); try again`,
        );
      await new Promise((resolve) => setTimeout(resolve, KICK_POLL_MS));
    }
  }
}

/** How often a kick looks whether the node holding the peer has acted. */
const KICK_POLL_MS = 20;

// Members here other than the leaver, as the mirror knows them (Redis could not say).
function localMembers(ids: readonly string[], nodeId: string, except: string): StoredMember[] {
  return ids.filter((id) => id !== except).map((id) => ({ id, username: '', node: nodeId, seq: 0 }));
}

function pick(peer: PeerInfo): PeerInfo {
  return { id: peer.id, username: peer.username };
}
