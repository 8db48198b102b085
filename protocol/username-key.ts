/**
 * The uniqueness key of a username: what the backends store (memory and Redis), so two names that
 * look alike cannot both be in use. Server-only: the confusables table (about 100 KB) stays out of
 * the SDK, which imports names.ts.
 */
import unhomoglyph from 'unhomoglyph';

/** Enough rounds for every code point to reach its fixed point (two do; checked by a unit test). */
const MAX_ROUNDS = 4;

/**
 * The prototype of each ASCII character, from the same table. unhomoglyph matches one regular
 * expression of 6,311 alternatives (every key one code point), about 2 µs a call and two calls per
 * IDENTIFY; an ASCII name, the usual case, is mapped character by character instead.
 */
const ASCII_PROTOTYPES: readonly string[] = Array.from({ length: 128 }, (_, c) =>
  unhomoglyph(String.fromCharCode(c)),
);

/** Each character replaced by its confusables prototype: unhomoglyph, with a fast path for ASCII. */
function prototypes(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128) return unhomoglyph(text);
    out += ASCII_PROTOTYPES[c] as string;
  }
  return out;
}

/**
 * The key of a username already checked by `normaliseUsername` (NFKC). Lower case (Unicode default
 * case mapping, as PRECIS UsernameCaseMapped: `ẞ` → `ß`, but `ß` stays `ß`, so `straße` and
 * `STRASSE` are different names), then the UTS #39 confusable skeleton (NFD, each character
 * replaced by its prototype in Unicode's confusables.txt, NFD again): Cyrillic `а`, Greek `ο`,
 * digit `1` and dotless `ı` count as `a`, `o`, `l` and `i`. Repeated until stable, because a
 * prototype may be upper case (`0` → `O`); runs of spaces count as one, as browsers render them.
 * The key is for comparing, never for display (`m` and `rn` share one).
 */
export function usernameKey(username: string): string {
  let key = username.replace(/ {2,}/g, ' ');
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = prototypes(key.toLowerCase().normalize('NFD')).normalize('NFD').toLowerCase();
    if (next === key) break;
    key = next;
  }
  return key;
}
