/** The default backend: all state in this process. */
import { randomUUID } from 'node:crypto';
import type {
  Backend,
  BackendHealth,
  BearerHolder,
  HeldState,
  JoinOutcome,
  LocalDelivery,
  ResumeRecord,
  RoomPage,
} from './backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { encodePeerEvent } from '../../protocol/encode.js';
import type { OutFrame } from '../../protocol/frame.js';
import type { RoomSizeCounter } from './room-size-counter.js';
import { LocalBearers } from './local-bearers.js';

/** Usernames and rooms in maps; delivery is a direct call. */
export class MemoryBackend implements Backend, RoomSizeCounter {
  readonly kind = 'memory';
  readonly nodeId: string;
  private local: LocalDelivery | null = null;
  private readonly usernames = new Map<string, string>();
  private readonly rooms = new Map<string, Map<string, PeerInfo>>();
  private readonly resumes = new Map<string, { record: ResumeRecord; expiresAt: number }>();
  private readonly bearers = new LocalBearers();
  /** Rooms by member count, kept as rooms change so a metrics scrape never walks the rooms. */
  private readonly sizeCounts = new Map<number, number>();

  constructor(nodeId: string = randomUUID()) {
    this.nodeId = nodeId;
  }

  async start(local: LocalDelivery): Promise<void> {
    this.local = local;
  }

  async close(): Promise<void> {
    this.local = null;
    this.usernames.clear();
    this.rooms.clear();
    this.resumes.clear();
    this.bearers.clear();
    this.sizeCounts.clear();
  }

  isReady(): boolean {
    return this.local !== null;
  }

  health(): BackendHealth {
    const ready = this.isReady();
    return {
      ready,
      degradedSince: null,
      latencyMs: null,
      published: 0,
      received: 0,
      publishErrors: 0,
      dropped: 0,
      expired: 0,
      lost: 0,
    };
  }

  async claimUsername(key: string, peer: PeerInfo): Promise<boolean> {
    if (this.usernames.has(key)) return false;
    this.usernames.set(key, peer.id);
    return true;
  }

  async releaseUsername(key: string, peerId: string): Promise<void> {
    if (this.usernames.get(key) === peerId) this.usernames.delete(key);
  }

  async joinRoom(roomId: string, peer: PeerInfo, maxPeers: number): Promise<JoinOutcome> {
    let room = this.rooms.get(roomId);
    if (!room) {
      room = new Map();
      this.rooms.set(roomId, room);
    }
    if (room.has(peer.id)) return { ok: true, members: othersIn(room, peer.id) };
    if (room.size >= maxPeers) return { ok: false, reason: 'full' };
    const members = [...room.values()];
    room.set(peer.id, { id: peer.id, username: peer.username });
    this.resized(room.size - 1, room.size);
    return { ok: true, members };
  }

  announceJoin(roomId: string, peer: PeerInfo, recipients: readonly PeerInfo[]): void {
    if (recipients.length === 0) return;
    const frame = encodePeerEvent('NEW_PEER_IN_ROOM', roomId, peer);
    for (const member of recipients) this.local?.deliverLocal(member.id, frame);
  }

  async leaveRoom(roomId: string, peer: PeerInfo): Promise<void> {
    const room = this.rooms.get(roomId);
    if (!room?.delete(peer.id)) return;
    this.resized(room.size + 1, room.size);
    if (room.size === 0) {
      this.rooms.delete(roomId);
      return;
    }
    const frame = encodePeerEvent('PEER_LEFT_ROOM', roomId, peer);
    for (const id of room.keys()) this.local?.deliverLocal(id, frame);
  }

  async roomMembers(roomId: string): Promise<PeerInfo[]> {
    const room = this.rooms.get(roomId);
    return room ? [...room.values()] : [];
  }

  relay(roomId: string, toPeerId: string, frame: OutFrame): boolean {
    if (!this.rooms.get(roomId)?.has(toPeerId)) return false;
    this.local?.deliverLocal(toPeerId, frame);
    return true;
  }

  async saveResume(tokenKey: string, record: ResumeRecord, ttlMs: number): Promise<void> {
    this.resumes.set(tokenKey, { record, expiresAt: Date.now() + ttlMs });
  }

  async takeResume(tokenKey: string): Promise<ResumeRecord | null> {
    const entry = this.resumes.get(tokenKey);
    if (!entry) return null;
    this.resumes.delete(tokenKey);
    // The holding node's grace timer takes expired records itself; this only guards a late resume.
    return entry.expiresAt >= Date.now() ? entry.record : null;
  }

  async fetchHeld(record: ResumeRecord): Promise<HeldState | null> {
    // One process: every record names this node, and the hold is released synchronously.
    if (record.nodeId !== this.nodeId) return null;
    return this.local?.releaseHeld(record.peerId) ?? null;
  }

  async holdLive(): Promise<boolean> {
    // One process: a live session with the token was taken over by the core itself.
    return false;
  }

  async replaceUsername(key: string, peer: PeerInfo): Promise<PeerInfo | null> {
    const previousId = this.usernames.get(key);
    this.usernames.set(key, peer.id);
    if (previousId === undefined || previousId === peer.id) return null;
    this.local?.evict(previousId);
    return { id: previousId, username: peer.username };
  }

  addBearer(key: string, holder: BearerHolder): void {
    this.bearers.add(key, holder);
  }

  dropBearer(key: string, holder: BearerHolder): void {
    this.bearers.drop(key, holder);
  }

  async findBearer(key: string): Promise<BearerHolder | null> {
    return this.bearers.get(key) ?? null;
  }

  /** Sizes of every map, for stats and leak checks. */
  size(): { usernames: number; rooms: number; resumes: number; bearers: number } {
    return {
      usernames: this.usernames.size,
      rooms: this.rooms.size,
      resumes: this.resumes.size,
      bearers: this.bearers.size,
    };
  }

  async listRooms(cursor: string | null, limit: number): Promise<RoomPage> {
    // The cursor is the last id of the previous page; ids sort, so the pages are stable.
    const ids = [...this.rooms.keys()].filter((id) => cursor === null || id > cursor).sort();
    const page = ids.slice(0, limit);
    return {
      rooms: page.map((id) => ({ id, members: this.rooms.get(id)?.size ?? 0 })),
      next: ids.length > limit ? (page[page.length - 1] as string) : null,
    };
  }

  roomSizeCounts(): ReadonlyMap<number, number> {
    return this.sizeCounts;
  }

  /** A room went from `from` members to `to` (0: none, not counted). */
  private resized(from: number, to: number): void {
    if (from > 0) {
      const left = (this.sizeCounts.get(from) ?? 0) - 1;
      if (left > 0) this.sizeCounts.set(from, left);
      else this.sizeCounts.delete(from);
    }
    if (to > 0) this.sizeCounts.set(to, (this.sizeCounts.get(to) ?? 0) + 1);
  }

  async roomCount(): Promise<number> {
    return this.rooms.size;
  }

  async kick(roomId: string, peerId: string): Promise<boolean> {
    if (!this.rooms.get(roomId)?.has(peerId)) return false;
    return this.local?.kickLocal(peerId, roomId) ?? false;
  }
}

function othersIn(room: Map<string, PeerInfo>, peerId: string): PeerInfo[] {
  return [...room.values()].filter((m) => m.id !== peerId);
}
