// Username and room id rules (PROTOCOL.md "Rules", docs/protocol.md "Usernames").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRoomId, normaliseUsername } from '../../protocol/names.js';
import { usernameKey } from '../../protocol/username-key.js';
import unhomoglyph from 'unhomoglyph';

/** The key of a raw name, through the same normalisation as IDENTIFY. */
function keyOf(raw: string): string {
  const name = normaliseUsername(raw);
  assert.ok(name.ok, `${JSON.stringify(raw)} is a valid username`);
  return usernameKey(name.value);
}

test('usernames are trimmed and NFKC-normalised; plain ASCII names come back as sent', () => {
  assert.deepEqual(normaliseUsername('  alice\t'), { ok: true, value: 'alice' });
  assert.deepEqual(normaliseUsername('Jose\u0301'), { ok: true, value: 'Jos\u00e9' });
  assert.deepEqual(normaliseUsername('\uff41\uff4c\uff49\uff43\uff45'), { ok: true, value: 'alice' });
  assert.deepEqual(normaliseUsername('\u{1D41A}lice'), { ok: true, value: 'alice' });
  for (const plain of ['Alice', 'bob_42', 'Mary Ann', 'x-Y.z', "O'Brien", 'a@b', '~!#$%^&*()']) {
    assert.deepEqual(normaliseUsername(plain), { ok: true, value: plain });
  }
});

test('usernames of 1 to 64 characters are accepted, counting code points', () => {
  assert.ok(normaliseUsername('a').ok);
  assert.ok(normaliseUsername('a'.repeat(64)).ok);
  assert.ok(normaliseUsername('\u{1F600}'.repeat(64)).ok);
  assert.ok(!normaliseUsername('a'.repeat(65)).ok);
  assert.ok(!normaliseUsername('\u{1F600}'.repeat(65)).ok);
  // 65 decomposed characters that compose to 64 are fine: the limit applies after normalisation.
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
    '\u0301\u0308',
  ]) {
    const r = normaliseUsername(bad);
    assert.ok(!r.ok, JSON.stringify(bad));
    assert.ok(r.reason.length > 0);
  }
});

test('invisible, formatting and bidi characters are refused inside a username, never kept at its ends', () => {
  const invisible = {
    ZWSP: '\u200B',
    ZWNJ: '\u200C',
    ZWJ: '\u200D',
    WJ: '\u2060',
    BOM: '\uFEFF',
    'soft hyphen': '\u00AD',
    LRM: '\u200E',
    RLM: '\u200F',
    ALM: '\u061C',
    CGJ: '\u034F',
    VS16: '\uFE0F',
    VS17: '\u{E0100}',
    'tag a': '\u{E0061}',
    'Hangul filler': '\u3164',
    'halfwidth Hangul filler': '\uFFA0',
    NBSP: '\u00A0',
    'narrow NBSP': '\u202F',
    'ideographic space': '\u3000',
    'em space': '\u2003',
    'private use': '\uE000',
  };
  for (const [name, char] of Object.entries(invisible)) {
    for (const raw of [`ali${char}ce`, char]) {
      assert.ok(!normaliseUsername(raw).ok, `${name} in ${JSON.stringify(raw)} is refused`);
    }
    // At the ends, trimming may remove it (BOM, NBSP are whitespace to trim()): then it is gone.
    for (const raw of [`alice${char}`, `${char}alice`]) {
      const r = normaliseUsername(raw);
      assert.ok(!r.ok || r.value === 'alice', `${name} in ${JSON.stringify(raw)} is refused or trimmed`);
    }
  }
});

test('username keys fold case and composition, so differently typed spellings collide', () => {
  assert.equal(keyOf('Alice'), keyOf('alice'));
  assert.equal(keyOf('ALICE'), keyOf('aLiCe'));
  assert.equal(keyOf('Ren\u00e9'), keyOf('RENE\u0301'));
  assert.notEqual(keyOf('alice'), keyOf('alicia'));
});

test('look-alikes of "alice" share its key: fullwidth, Cyrillic, Greek, mathematical, dotless i', () => {
  const alice = keyOf('alice');
  for (const lookalike of [
    '\uff41\uff4c\uff49\uff43\uff45', // fullwidth
    '\u0430lice', // Cyrillic а
    'al\u0456c\u0435', // Cyrillic і and е
    '\u{1D41A}\u{1D425}\u{1D422}\u{1D41C}\u{1D41E}', // mathematical bold
    '\u{1D4B6}lice', // mathematical script a
    'a1ice', // digit one for l
    'a\u2113ice', // script small l
    'al\u0131ce', // dotless i
    'ALICE',
    '\u0391LICE', // Greek capital alpha
  ]) {
    assert.equal(keyOf(lookalike), alice, JSON.stringify(lookalike));
  }
  assert.equal(keyOf('0scar'), keyOf('Oscar'));
  assert.equal(keyOf('m'), keyOf('rn'));
  assert.equal(keyOf('mary  ann'), keyOf('mary ann'));
});

test('straße and STRASSE are different names; STRAẞE and straße are the same', () => {
  assert.notEqual(keyOf('straße'), keyOf('STRASSE'));
  assert.equal(keyOf('STRASSE'), keyOf('strasse'));
  assert.equal(keyOf('STRA\u1E9EE'), keyOf('straße'));
});

test('a key is its own key: every code point reaches a fixed point', () => {
  for (let cp = 0x20; cp < 0x30000; cp++) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const key = usernameKey(String.fromCodePoint(cp).normalize('NFKC'));
    assert.equal(usernameKey(key), key, `U+${cp.toString(16)}`);
  }
});

test('room ids: 1 to 128 printable characters, taken as sent', () => {
  assert.deepEqual(checkRoomId(' Room 1 '), { ok: true, value: ' Room 1 ' });
  assert.ok(checkRoomId('r'.repeat(128)).ok);
  assert.ok(checkRoomId('🎉'.repeat(128)).ok);
  for (const bad of ['', 'r'.repeat(129), 'a\u0000', 'line\nbreak', 'tab\there', 'a\u202Eb', '\ud800']) {
    assert.ok(!checkRoomId(bad).ok, JSON.stringify(bad));
  }
});

test('username keys: the ASCII fast path gives the keys unhomoglyph gives', () => {
  // The key as computed before the fast path: unhomoglyph on the whole string, every round.
  const reference = (username: string): string => {
    let key = username.replace(/ {2,}/g, ' ');
    for (let round = 0; round < 4; round++) {
      const next = unhomoglyph(key.toLowerCase().normalize('NFD')).normalize('NFD').toLowerCase();
      if (next === key) break;
      key = next;
    }
    return key;
  };
  const names = ['alice', 'Bob', 'user-01', 'rn and m', '100%', 'a"b`c|d', 'I1l|', 'tab\tx', 'mixé', 'аlice'];
  // Every printable ASCII character, alone and between letters.
  for (let c = 32; c < 127; c++) names.push(String.fromCharCode(c), `a${String.fromCharCode(c)}z`);
  for (const name of names) assert.equal(usernameKey(name), reference(name), JSON.stringify(name));
});
