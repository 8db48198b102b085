/**
 * What nodes send each other over their pub/sub channels: a discriminated union, one JSON text
 * per message (relays travel in a leaner form, see cluster-batch.ts). Room events name exactly
 * the recipients the atomic Redis step computed (`to`), so a peer that joined later never hears
 * of a change that happened before it arrived.
 */
import type { PeerInfo } from '../../protocol/messages.js';
import type { HeldState } from './backend.js';

/** A peer arrived in a room (published by the joiner's node after the joiner got ROOM_MEMBERS). */
export interface JoinMessage {
  t: 'join';
  room: string;
  peer: PeerInfo;
  /** The node holding the joiner's connection. */
  node: string;
  /** The membership's sequence number (orders this event against member-list snapshots). */
  seq: number;
  /** Members of the room on the receiving node to tell. */
  to: string[];
}

/** A peer left a room (published by its node, or by the node that cleaned up after a dead one). */
export interface LeaveMessage {
  t: 'leave';
  room: string;
  peer: PeerInfo;
  seq: number;
  to: string[];
}

/** An operator removes a peer of the receiving node from a room (admin API). */
export interface KickMessage {
  t: 'kick';
  room: string;
  to: string;
}

/** A peer resumed on another node: route frames for it there from now on (no client is told). */
export interface MoveMessage {
  t: 'move';
  room: string;
  peer: PeerInfo;
  node: string;
  seq: number;
}

/**
 * A resuming node asks the holding node for a held peer's state; or, with `takeover`, asks the
 * node where the peer is still live (the client noticed the drop first) to close that connection
 * (4003) and hold the peer, so that the asker can claim its resume record. A takeover names no
 * `peerId` (''): a node that predates takeovers then answers `state: null` without releasing
 * anything, and the resume is refused as it was before.
 */
export interface FetchMessage {
  t: 'fetch';
  peerId: string;
  reqId: string;
  /** The node to answer (and where the peer now lives). */
  from: string;
  /** The live session to hold: the hash of its current resume token, and its peer id. */
  takeover?: { tokenKey: string; peerId: string };
}

/**
 * The answer to a {@link FetchMessage}: the state, or null when the peer is not held there; for a
 * takeover, `state: null` and `heldNow: true` once the peer is held and its record saved.
 */
export interface HeldMessage {
  t: 'held';
  reqId: string;
  state: HeldState | null;
  heldNow?: boolean;
}

/** Another connection took this peer's username: close it (`--on-duplicate-username replace`). */
export interface EvictMessage {
  t: 'evict';
  peerId: string;
}

/**
 * Relays from the receiving node's peers that were not delivered (they reached the target's node
 * after their deadline): the receiving node tells each sender `UNAVAILABLE`, unless it already
 * did for that batch (its publish failed).
 */
export interface UndeliveredMessage {
  t: 'undelivered';
  /** The batch the relays came in (numbered per sender → target node). */
  seq: number;
  /** Sender peer id and message type of each relay. */
  peers: Array<[string, string]>;
}

/** A membership change as a node tells it: a join or leave message before its recipients are added. */
export type RoomEvent = Omit<JoinMessage, 'to'> | Omit<LeaveMessage, 'to'>;

/** Any message between nodes. */
export type ClusterMessage =
  | JoinMessage
  | LeaveMessage
  | KickMessage
  | MoveMessage
  | FetchMessage
  | HeldMessage
  | EvictMessage
  | UndeliveredMessage;

/** Serialise a cluster message. */
export function encodeClusterMessage(message: ClusterMessage): string {
  return JSON.stringify(message);
}

/** Parse a cluster message; `null` for anything malformed (logged by the caller, never thrown). */
export function decodeClusterMessage(text: string): ClusterMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const ok = (() => {
    switch (m.t) {
      case 'kick':
        return isString(m.room) && isString(m.to);
      case 'join':
      case 'leave':
        return (
          isString(m.room) &&
          isPeer(m.peer) &&
          typeof m.seq === 'number' &&
          Array.isArray(m.to) &&
          m.to.every(isString) &&
          (m.t === 'leave' || isString(m.node))
        );
      case 'move':
        return isString(m.room) && isPeer(m.peer) && isString(m.node) && typeof m.seq === 'number';
      case 'fetch':
        return (
          isString(m.peerId) &&
          isString(m.reqId) &&
          isString(m.from) &&
          (m.takeover === undefined || isTakeover(m.takeover))
        );
      case 'held':
        return (
          isString(m.reqId) &&
          typeof m.state === 'object' &&
          (m.heldNow === undefined || typeof m.heldNow === 'boolean')
        );
      case 'evict':
        return isString(m.peerId);
      case 'undelivered':
        return (
          typeof m.seq === 'number' &&
          Array.isArray(m.peers) &&
          m.peers.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && isString(p[1]))
        );
      default:
        return false;
    }
  })();
  return ok ? (m as unknown as ClusterMessage) : null;
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function isTakeover(v: unknown): v is FetchMessage['takeover'] {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return isString(o.tokenKey) && isString(o.peerId);
}

function isPeer(v: unknown): v is PeerInfo {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return isString(p.id) && isString(p.username);
}
