/**
 * The one definition of the values the Redis backend stores: a room-hash value (member peer id →
 * JSON `{u, n, s}`: username, node, membership seq) and a peer record in its node's hash (JSON
 * `{u, k, r, s}`). Written only from TypeScript (the scripts store what they are given), read by
 * every part that looks at a room or a node's peers.
 */
import type { MirrorMember } from './room-mirror.js';

/** A room member as stored in the room hash. */
export interface StoredMember extends MirrorMember {
  id: string;
}

/** The room-hash value of a member. */
export function memberJson(username: string, node: string, seq: number): string {
  return JSON.stringify({ u: username, n: node, s: seq });
}

/** One member from its id and room-hash value. */
export function parseMember(id: string, json: string): StoredMember {
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

/** A peer record in its node's hash: what to clean up if the node dies. */
export interface PeerRecord {
  /** Username. */
  u: string;
  /** Username key ('' when the peer claimed none). */
  k: string;
  /** The room it is or may be in ('' for none): written before joining, kept after leaving. */
  r: string;
  /** Membership seq of `r`. */
  s: number;
}

/** The node-hash value of a peer. */
export function recordJson(username: string, usernameKey: string, room: string | null, seq: number): string {
  return JSON.stringify({ u: username, k: usernameKey, r: room ?? '', s: seq });
}

/** A peer record from its node-hash value (fields missing in an older or damaged value are empty). */
export function parseRecord(json: string): PeerRecord {
  let v: { u?: unknown; k?: unknown; r?: unknown; s?: unknown } = {};
  try {
    v = JSON.parse(json) as typeof v;
  } catch {
    // an unreadable record still names its peer; its keys are unknown
  }
  return { u: String(v.u ?? ''), k: String(v.k ?? ''), r: String(v.r ?? ''), s: Number(v.s ?? 0) || 0 };
}
