/** Username and room id rules of PROTOCOL.md, shared by the core and the SDK. */
import { LIMITS } from './limits.js';

// Control characters, line/paragraph separators and bidi overrides: invisible or layout-breaking
// in a peer list, and the classic way to make one name look like another.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** A checked username, or why it was refused. */
export type NameCheck = { ok: true; value: string } | { ok: false; reason: string };

/** Trim, NFC-normalise and check a username. */
export function normaliseUsername(raw: string): NameCheck {
  const value = raw.trim().normalize('NFC');
  const chars = [...value].length;
  if (chars === 0) return { ok: false, reason: 'Username must not be empty' };
  if (chars > LIMITS.usernameMaxChars)
    return { ok: false, reason: `Username must be at most ${LIMITS.usernameMaxChars} characters` };
  if (FORBIDDEN.test(value)) return { ok: false, reason: 'Username must not contain control characters' };
  if (!value.isWellFormed()) return { ok: false, reason: 'Username must be valid Unicode' };
  return { ok: true, value };
}

/** The key that makes usernames unique regardless of case ("Alice" and "alice" collide). */
export function usernameKey(username: string): string {
  return username.toLowerCase().normalize('NFC');
}

/** Check a room id: 1–128 printable characters, taken as sent. */
export function checkRoomId(roomId: string): NameCheck {
  const chars = [...roomId].length;
  if (chars === 0) return { ok: false, reason: 'Room id must not be empty' };
  if (chars > LIMITS.roomIdMaxChars)
    return { ok: false, reason: `Room id must be at most ${LIMITS.roomIdMaxChars} characters` };
  if (FORBIDDEN.test(roomId)) return { ok: false, reason: 'Room id must contain only printable characters' };
  if (!roomId.isWellFormed()) return { ok: false, reason: 'Room id must be valid Unicode' };
  return { ok: true, value: roomId };
}
