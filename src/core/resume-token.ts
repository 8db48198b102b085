/** Resume tokens: opaque, unguessable, single-use; only their hash is ever stored. */
import { hash, randomFillSync } from 'node:crypto';

/** Bytes of randomness in a token (192 bits; the issue asks for at least 128). */
const TOKEN_BYTES = 24;

/**
 * Randomness for the next tokens, filled from the CSPRNG in one call per 128 tokens (a call per
 * token was most of the cost of making one, on every connection's path). Each byte is used once
 * and zeroed once used, so the pool never holds a token already handed out.
 */
const pool = Buffer.alloc(TOKEN_BYTES * 128);
let poolOffset = pool.length;

/** A fresh token for AUTH_SUCCESS: base64url of random bytes, unrelated to the peer id. */
export function newResumeToken(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const end = poolOffset + TOKEN_BYTES;
  const token = pool.toString('base64url', poolOffset, end);
  for (let i = poolOffset; i < end; i++) pool[i] = 0;
  poolOffset = end;
  return token;
}

/**
 * The key a token is stored under. Hashing means a dump of the store (a Redis snapshot, a heap
 * snapshot of the records) yields nothing a client could present. One-shot `hash`: no Hash object
 * per token.
 */
export function resumeTokenKey(token: string): string {
  return hash('sha256', token, 'base64url');
}
