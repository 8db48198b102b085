/** Username and room id rules of PROTOCOL.md, shared by the core and the SDK. */
import { LIMITS } from './limits.js';

// Room ids: control characters, line/paragraph separators and bidi overrides, which are invisible
// or layout-breaking in a room list.
const FORBIDDEN_IN_ROOM_ID = /[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

// Usernames, after PRECIS UsernameCaseMapped (RFC 8265) and UTS #39: nothing that renders as
// nothing or rearranges its neighbours, so two names that differ only there cannot both exist.
// Controls, format characters (ZWSP, ZWJ, ZWNJ, WJ, BOM, soft hyphen, LRM/RLM/ALM, tags),
// default-ignorables (CGJ, variation selectors, Hangul fillers), bidi controls, private use,
// line/paragraph separators, and every space but U+0020 (NBSP, ideographic space, ...).
const INVISIBLE_IN_USERNAME =
  /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Bidi_Control}]|[^\S ]/u;

// A name needs something to see: letters, digits, symbols or punctuation, not only marks.
const VISIBLE = /[\p{L}\p{N}\p{S}\p{P}]/u;

/** A checked username, or why it was refused. */
export type NameCheck = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Trim, NFKC-normalise and check a username. NFKC turns fullwidth and mathematical letters into
 * plain ones (`ａｌｉｃｅ`, `𝐚𝐥𝐢𝐜𝐞` → `alice`); plain ASCII names come back unchanged.
 */
export function normaliseUsername(raw: string): NameCheck {
  const trimmed = raw.trim();
  if (!trimmed.isWellFormed()) return { ok: false, reason: 'Username must be valid Unicode' };
  // Checked before NFKC too, which would turn an NBSP into a space and hide it.
  if (INVISIBLE_IN_USERNAME.test(trimmed)) return invisible();
  const value = trimmed.normalize('NFKC').trim();
  const chars = [...value].length;
  if (chars === 0) return { ok: false, reason: 'Username must not be empty' };
  if (chars > LIMITS.usernameMaxChars)
    return { ok: false, reason: `Username must be at most ${LIMITS.usernameMaxChars} characters` };
  if (INVISIBLE_IN_USERNAME.test(value)) return invisible();
  if (!VISIBLE.test(value)) return { ok: false, reason: 'Username must contain a visible character' };
  return { ok: true, value };
}

function invisible(): NameCheck {
  return {
    ok: false,
    reason: 'Username must not contain control, invisible, formatting or bidirectional characters',
  };
}

/** Check a room id: 1–128 printable characters, taken as sent. */
export function checkRoomId(roomId: string): NameCheck {
  const chars = [...roomId].length;
  if (chars === 0) return { ok: false, reason: 'Room id must not be empty' };
  if (chars > LIMITS.roomIdMaxChars)
    return { ok: false, reason: `Room id must be at most ${LIMITS.roomIdMaxChars} characters` };
  if (FORBIDDEN_IN_ROOM_ID.test(roomId))
    return { ok: false, reason: 'Room id must contain only printable characters' };
  if (!roomId.isWellFormed()) return { ok: false, reason: 'Room id must be valid Unicode' };
  return { ok: true, value: roomId };
}
