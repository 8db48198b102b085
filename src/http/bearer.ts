/** Bearer-token checks for the operator endpoints, in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/**
 * True when `header` carries exactly `expected`. Both sides are hashed first so the comparison
 * takes the same time whatever the length or content of the guess.
 */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const token = bearerToken(header);
  if (token === null || expected === '') return false;
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
