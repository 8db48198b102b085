/**
 * The peers whose connection this node holds, as the Redis backend knows them: the truth a node
 * writes back into Redis after Redis lost data or the other nodes declared it dead
 * (redis-reregister.ts). Changed only through the methods below, each named after the event
 * that causes it, so a reader can find every writer.
 */

/** A peer whose connection this node holds. */
export interface LocalPeer {
  readonly username: string;
  readonly usernameKey: string;
  readonly room: string | null;
  /** Sequence number of the current room membership. */
  readonly seq: number;
  /** A room it left while Redis was unreachable (its members elsewhere are told on repair). */
  readonly leftRoom?: string;
  /**
   * A room whose join is in flight: the peer's record may name it already and Redis may list the
   * membership, while `room` and `seq` change only with the join's reply.
   */
  readonly joining?: string;
  /**
   * The other nodes removed its membership as a dead node's while its join was in flight, so the
   * re-registration that writes such memberships back under a new seq skipped it: the next one
   * does (redis-reregister.ts), unless the peer left the room or joined another meanwhile.
   */
  readonly reaped?: true;
}

type Entry = { -readonly [K in keyof LocalPeer]: LocalPeer[K] };

/** This node's peers by id. */
export class LocalPeers {
  private readonly byId = new Map<string, Entry>();

  /** A peer holds a username here now (claimed, taken over or adopted), optionally in a room. */
  add(peerId: string, username: string, usernameKey: string, room: string | null = null, seq = 0): void {
    this.byId.set(peerId, { username, usernameKey, room, seq });
  }

  /** The peer is no longer this node's (released, claim failed, resumed elsewhere). */
  remove(peerId: string): LocalPeer | undefined {
    const entry = this.byId.get(peerId);
    this.byId.delete(peerId);
    return entry;
  }

  /** True when this node holds the peer. */
  has(peerId: string): boolean {
    return this.byId.has(peerId);
  }

  /** The peer as this node knows it, or undefined. */
  get(peerId: string): LocalPeer | undefined {
    return this.byId.get(peerId);
  }

  /** The peer's join of a room started (its record is about to name the room). */
  joinStarted(peerId: string, roomId: string): void {
    const entry = this.byId.get(peerId);
    if (entry) entry.joining = roomId;
  }

  /** The peer joined a room under membership `seq`. */
  joined(peerId: string, roomId: string, seq: number): void {
    const entry = this.byId.get(peerId);
    if (!entry) return;
    entry.room = roomId;
    entry.seq = seq;
    if (entry.joining === roomId) delete entry.joining;
    delete entry.reaped; // a new membership, announced by the join itself
  }

  /** A re-registration after a false death skipped the peer (its join was in flight). */
  reapedDeferred(peerId: string): void {
    const entry = this.byId.get(peerId);
    if (entry?.room) entry.reaped = true;
  }

  /** The peer's membership was written back and announced again after a false death. */
  reapedRepaired(peerId: string): void {
    const entry = this.byId.get(peerId);
    if (entry) delete entry.reaped;
  }

  /**
   * The peer's membership of `roomId` is written back under a new `seq` (the other nodes declared
   * this node dead and removed it; redis-reregister.ts).
   */
  renumbered(peerId: string, roomId: string, seq: number): void {
    const entry = this.byId.get(peerId);
    if (entry?.room === roomId) entry.seq = seq;
  }

  /** The peer's join of a room ended without it joining (refused, failed, or taken back). */
  joinFailed(peerId: string, roomId: string): void {
    const entry = this.byId.get(peerId);
    if (entry?.joining === roomId) delete entry.joining;
  }

  /** The peer is leaving a room. */
  left(peerId: string, roomId: string): void {
    const entry = this.byId.get(peerId);
    if (entry?.room !== roomId) return;
    entry.room = null;
    delete entry.reaped;
  }

  /** Redis could not be told of a leave: the re-registration tells the other nodes' members later. */
  leaveUnreported(peerId: string, roomId: string): void {
    const entry = this.byId.get(peerId);
    if (entry) entry.leftRoom = roomId;
  }

  /** Redis was told of the unreported leave of `roomId` (unless another one happened meanwhile). */
  leaveReported(peerId: string, roomId: string | undefined): void {
    const entry = this.byId.get(peerId);
    if (entry && entry.leftRoom === roomId) delete entry.leftRoom;
  }

  /** The ids of every peer, in insertion order (a copy: safe to iterate across awaits). */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** How many peers this node holds. */
  get size(): number {
    return this.byId.size;
  }
}
