/** Resume tokens: opaque, unguessable, single-use; only their hash is ever stored. */
import { createHash, randomBytes } from 'node:crypto';

/** Bytes of randomness in a token (192 bits; the issue asks for at least 128). */
const TOKEN_BYTES = 24;

/** A fresh token for AUTH_SUCCESS: base64url of random bytes, unrelated to the peer id. */
export function newResumeToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * The key a token is stored under. Hashing means a dump of the store (a Redis snapshot, a heap
 * snapshot of the records) yields nothing a client could present.
 */
export function resumeTokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
