/**
 * The one definition of a room-hash value: member peer id → JSON `{u, n, s}` (username, node,
 * membership seq). Written only from TypeScript (the scripts store what they are given), read by
 * every part that looks at a room.
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
