/**
 * Resume tokens are drawn from a pool of CSPRNG bytes refilled every 128 tokens: across refills
 * every token must still be fresh, of full length, and stored only as its SHA-256.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { newResumeToken, resumeTokenKey } from '../../src/core/resume-token.js';

test('resume tokens: 192-bit base64url, all distinct across several pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const token = newResumeToken();
    assert.match(token, /^[A-Za-z0-9_-]{32}$/, 'base64url of 24 bytes');
    assert.notEqual(Buffer.from(token, 'base64url').toString('hex'), '0'.repeat(48), 'never a zeroed slot');
    seen.add(token);
  }
  assert.equal(seen.size, 1000);
});

test('resume tokens: stored under their SHA-256 (base64url), never as themselves', () => {
  const token = newResumeToken();
  const key = resumeTokenKey(token);
  assert.equal(key, createHash('sha256').update(token).digest('base64url'));
  assert.notEqual(key, token);
});
