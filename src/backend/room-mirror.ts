/**
 * A node's local copy of the membership of one room in which it holds peers, so `relay` can check
 * "is the target in the room, and on which node?" synchronously, without a Redis round trip.
 *
 * It is fed from two sources that Redis does not order against each other: member-list snapshots
 * (the reply to this node's own join, on the command connection) and room events from other nodes
 * (on the subscriber connection). Every membership carries a sequence number assigned by the
 * member's node, and a leave leaves a tombstone with that number, so a snapshot taken before a
 * leave can never bring the leaver back. Snapshots only add: a member missing from a snapshot may
 * have joined after it, and its leave, if any, arrives as an event.
 */

/** A member as the mirror knows it. */
export interface MirrorMember {
  username: string;
  node: string;
  seq: number;
}

interface Entry extends MirrorMember {
  present: boolean;
  /** When a tombstone was written, for pruning. */
  at: number;
}

// A tombstone only has to outlive a snapshot in flight, whose age the command timeout bounds.
const TOMBSTONE_MS = 60_000;

/** The membership of one room as seen from this node. */
export class RoomMirror {
  private readonly entries = new Map<string, Entry>();
  /** This node's peers whose join is complete (they got ROOM_MEMBERS). */
  private readonly joined = new Set<string>();
  /** This node's peers whose join is in flight, with deliveries held until they got ROOM_MEMBERS. */
  private readonly pending = new Map<string, Array<() => void>>();

  /** A present member, or undefined. */
  member(peerId: string): MirrorMember | undefined {
    const e = this.entries.get(peerId);
    return e?.present ? e : undefined;
  }

  /** Record that `peerId` is a member under membership `seq`, unless a newer change is known (false then). */
  add(peerId: string, member: MirrorMember): boolean {
    const e = this.entries.get(peerId);
    if (e && e.seq > member.seq) return false;
    if (e && e.seq === member.seq && !e.present) return false;
    this.entries.set(peerId, { ...member, present: true, at: 0 });
    return true;
  }

  /** Record that membership `seq` of `peerId` ended. */
  remove(peerId: string, seq: number, now = Date.now()): void {
    const e = this.entries.get(peerId);
    if (e && e.seq > seq) return;
    this.entries.set(peerId, {
      username: e?.username ?? '',
      node: e?.node ?? '',
      seq,
      present: false,
      at: now,
    });
    this.prune(now);
  }

  /** Present members on other nodes than `nodeId`, grouped by node. */
  remoteNodes(nodeId: string): Map<string, string[]> {
    const byNode = new Map<string, string[]>();
    for (const [id, e] of this.entries) {
      if (!e.present || e.node === nodeId) continue;
      const list = byNode.get(e.node);
      if (list) list.push(id);
      else byNode.set(e.node, [id]);
    }
    return byNode;
  }

  /** A local peer's join started: hold deliveries to it until {@link completeJoin}. */
  beginJoin(peerId: string): void {
    this.pending.set(peerId, []);
  }

  /** True while a local peer's join (or its adoption after a resume) is in flight. */
  joining(peerId: string): boolean {
    return this.pending.has(peerId);
  }

  /** A local peer got ROOM_MEMBERS: deliver what was held for it, in arrival order. */
  completeJoin(peerId: string): void {
    const held = this.pending.get(peerId);
    if (!held) return;
    this.pending.delete(peerId);
    this.joined.add(peerId);
    for (const deliver of held) deliver();
  }

  /** A local peer left, or its join failed. */
  dropLocal(peerId: string): void {
    this.pending.delete(peerId);
    this.joined.delete(peerId);
  }

  /** Run `deliver` for a local member now, later if its join is in flight, or never. */
  deliverTo(peerId: string, deliver: () => void): void {
    if (this.joined.has(peerId)) deliver();
    else this.pending.get(peerId)?.push(deliver);
  }

  /** True when this node holds no peer in the room (the mirror can be dropped). */
  hasNoLocalPeers(): boolean {
    return this.joined.size === 0 && this.pending.size === 0;
  }

  /** This node's members whose join is complete. */
  localMembers(): string[] {
    return [...this.joined];
  }

  private prune(now: number): void {
    if (this.entries.size < 64) return;
    for (const [id, e] of this.entries) {
      if (!e.present && now - e.at > TOMBSTONE_MS) this.entries.delete(id);
    }
  }
}

/** The mirrors of the rooms where this node holds peers (a room's mirror goes with its last local peer). */
export class RoomMirrors {
  private readonly byRoom = new Map<string, RoomMirror>();

  /** The mirror of a room where this node has peers, if any. */
  get(roomId: string): RoomMirror | undefined {
    return this.byRoom.get(roomId);
  }

  /** The mirror of a room, created for a local peer about to be in it. */
  ensure(roomId: string): RoomMirror {
    let mirror = this.byRoom.get(roomId);
    if (!mirror) {
      mirror = new RoomMirror();
      this.byRoom.set(roomId, mirror);
    }
    return mirror;
  }

  /** A local peer is no longer in a room here (left, join failed, resumed elsewhere). */
  forgetLocal(roomId: string, peerId: string): void {
    const mirror = this.byRoom.get(roomId);
    if (!mirror) return;
    mirror.dropLocal(peerId);
    if (mirror.hasNoLocalPeers()) this.byRoom.delete(roomId);
  }

  /** A peer of this node resumed on `node`: route to it there. */
  movedAway(roomId: string, peerId: string, node: string): void {
    const mirror = this.byRoom.get(roomId);
    const entry = mirror?.member(peerId);
    if (mirror && entry) mirror.add(peerId, { ...entry, node });
    this.forgetLocal(roomId, peerId);
  }

  /** How many rooms are mirrored (for leak checks). */
  get size(): number {
    return this.byRoom.size;
  }
}
