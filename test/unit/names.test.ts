// Username and room id rules (PROTOCOL.md "Rules").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRoomId, normaliseUsername, usernameKey } from '../../src/protocol/names.js';

test('usernames are trimmed and NFC-normalised', () => {
  assert.deepEqual(normaliseUsername('  alice\t'), { ok: true, value: 'alice' });
  assert.deepEqual(normaliseUsername('Jose\u0301'), { ok: true, value: 'Jos\u00e9' });
});

test('usernames of 1 to 64 characters are accepted, counting code points', () => {
  assert.ok(normaliseUsername('a').ok);
  assert.ok(normaliseUsername('a'.repeat(64)).ok);
  assert.ok(normaliseUsername('\u{1F600}'.repeat(64)).ok);
  assert.ok(!normaliseUsername('a'.repeat(65)).ok);
  assert.ok(!normaliseUsername('\u{1F600}'.repeat(65)).ok);
  // 65 decomposed characters that compose to 64 are fine: the limit applies after NFC.
  assert.ok(normaliseUsername('a'.repeat(63) + 'e\u0301').ok);
});

test('empty, blank and control-character usernames are refused with a reason', () => {
  for (const bad of [
    '',
    '   ',
    '\t\n',
    'a\u0000b',
    'a\u0007',
    'a\u007f',
    'a\u0085b',
    'a\u2028b',
    'a\u202Eb',
    'a\u2066b',
    'a\ud800b',
  ]) {
    const r = normaliseUsername(bad);
    assert.ok(!r.ok, JSON.stringify(bad));
    assert.ok(r.reason.length > 0);
  }
});

test('username keys fold case and composition, so look-alike spellings collide', () => {
  assert.equal(usernameKey('Alice'), usernameKey('alice'));
  assert.equal(usernameKey('ALICE'), usernameKey('aLiCe'));
  const composed = normaliseUsername('Ren\u00e9');
  const decomposed = normaliseUsername('RENE\u0301');
  assert.ok(composed.ok && decomposed.ok);
  assert.equal(usernameKey(composed.value), usernameKey(decomposed.value));
  assert.notEqual(usernameKey('alice'), usernameKey('alicia'));
});

test('room ids: 1 to 128 printable characters, taken as sent', () => {
  assert.deepEqual(checkRoomId(' Room 1 '), { ok: true, value: ' Room 1 ' });
  assert.ok(checkRoomId('r'.repeat(128)).ok);
  assert.ok(checkRoomId('🎉'.repeat(128)).ok);
  for (const bad of ['', 'r'.repeat(129), 'a\u0000', 'line\nbreak', 'tab\there', 'a\u202Eb', '\ud800']) {
    assert.ok(!checkRoomId(bad).ok, JSON.stringify(bad));
  }
});
