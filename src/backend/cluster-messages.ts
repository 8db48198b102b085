/**
 * What nodes send each other over their pub/sub channels: a discriminated union, one JSON text
 * per message. Room events name exactly the recipients the atomic Redis step computed (`to`), so
 * a peer that joined later never hears of a change that happened before it arrived.
 */
import type { PeerInfo } from '../protocol/messages.js';

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

/** A peer left a room (published by its node, or by Redis itself when a dead node is cleaned). */
export interface LeaveMessage {
  t: 'leave';
  room: string;
  peer: PeerInfo;
  seq: number;
  to: string[];
}

/** A relayed frame for one peer of the receiving node. */
export interface RelayMessage {
  t: 'relay';
  room: string;
  to: string;
  frame: string;
}

/** An operator removes a peer of the receiving node from a room (admin API). */
export interface KickMessage {
  t: 'kick';
  room: string;
  to: string;
}

/** Any message between nodes. */
export type ClusterMessage = JoinMessage | LeaveMessage | RelayMessage | KickMessage;

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
  if (typeof m.room !== 'string') return null;
  if (m.t === 'kick') return typeof m.to === 'string' ? (m as unknown as KickMessage) : null;
  if (m.t === 'relay') {
    return typeof m.to === 'string' && typeof m.frame === 'string' ? (m as unknown as RelayMessage) : null;
  }
  if (m.t !== 'join' && m.t !== 'leave') return null;
  const peer = m.peer as Record<string, unknown> | null;
  if (typeof peer !== 'object' || peer === null) return null;
  if (typeof peer.id !== 'string' || typeof peer.username !== 'string') return null;
  if (typeof m.seq !== 'number' || !Array.isArray(m.to) || !m.to.every((id) => typeof id === 'string'))
    return null;
  if (m.t === 'join' && typeof m.node !== 'string') return null;
  return m as unknown as ClusterMessage;
}
