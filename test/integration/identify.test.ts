// Identification: the first message, username rules and uniqueness, the identify timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';

/** The client's IDENTIFY is refused: AUTH_ERROR with `code`, then the server closes with 1008. */
async function expectRefused(client: TestClient, code: string): Promise<void> {
  const refusal = await client.next('AUTH_ERROR');
  assert.equal(refusal.status, 'error');
  assert.equal(refusal.code, code);
  assert.equal(typeof refusal.message, 'string');
  assert.ok((refusal.message as string).length > 0, 'AUTH_ERROR has a human message');
  assert.equal((await client.closed).code, 1008);
}

test('a taken username is refused in any case: "Alice" cannot pose as "alice"', async (t) => {
  const { wsUrl } = await startServer(t);
  await identifiedClient(t, wsUrl, 'alice');
  for (const name of ['alice', 'Alice', 'ALICE', ' aLiCe ']) {
    const impostor = await TestClient.connect(t, wsUrl);
    impostor.send({ type: 'IDENTIFY', username: name });
    await expectRefused(impostor, 'USERNAME_TAKEN');
  }
});

test('usernames are compared after NFC: a precomposed and a decomposed é are the same name', async (t) => {
  const { wsUrl } = await startServer(t);
  const first = await identifiedClient(t, wsUrl, 'Ren\u00e9');
  assert.equal(first.username, 'Ren\u00e9');
  const second = await TestClient.connect(t, wsUrl);
  second.send({ type: 'IDENTIFY', username: 'rene\u0301' });
  await expectRefused(second, 'USERNAME_TAKEN');
});

test('look-alikes of a taken name are refused: seven spellings that render as "alice" find it taken', async (t) => {
  const { wsUrl } = await startServer(t);
  await identifiedClient(t, wsUrl, 'alice');
  for (const name of [
    '\uff41\uff4c\uff49\uff43\uff45', // fullwidth
    '\u0430lice', // Cyrillic а
    'al\u0456c\u0435', // Cyrillic і, е
    '\u{1D41A}\u{1D425}\u{1D422}\u{1D41C}\u{1D41E}', // mathematical bold
    'a1ice',
    'al\u0131ce', // dotless i
    '\u0391LICE', // Greek Alpha
  ]) {
    const impostor = await TestClient.connect(t, wsUrl);
    impostor.send({ type: 'IDENTIFY', username: name });
    await expectRefused(impostor, 'USERNAME_TAKEN');
  }
});

test('a name with invisible characters inside is refused with INVALID_USERNAME, so it cannot pass as another', async (t) => {
  const { wsUrl } = await startServer(t);
  await identifiedClient(t, wsUrl, 'alice');
  for (const char of [
    '\u200B',
    '\u200D',
    '\u2060',
    '\u00AD',
    '\u200F',
    '\u034F',
    '\uFE0F',
    '\u{E0061}',
    '\u3164',
    '\u00A0',
  ]) {
    const impostor = await TestClient.connect(t, wsUrl);
    impostor.send({ type: 'IDENTIFY', username: `ali${char}ce` });
    await expectRefused(impostor, 'INVALID_USERNAME');
  }
});

test('a fullwidth name is shown in its plain form; a plain ASCII name exactly as sent', async (t) => {
  const { wsUrl } = await startServer(t);
  assert.equal((await identifiedClient(t, wsUrl, '\uff22\uff4f\uff42')).username, 'Bob');
  assert.equal((await identifiedClient(t, wsUrl, 'Carol_99 x')).username, 'Carol_99 x');
});

test('a decomposed username is stored in NFC form', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await identifiedClient(t, wsUrl, 'Jose\u0301');
  assert.equal(client.username, 'Jos\u00e9');
});

for (const [label, username] of [
  ['empty', ''],
  ['whitespace-only', ' \t  '],
  ['65 characters', 'a'.repeat(65)],
  ['65 characters of astral symbols', '\u{1F600}'.repeat(65)],
  ['far over the limit (schema bound)', 'b'.repeat(300)],
  ['a NUL character', 'ali\u0000ce'],
  ['a newline inside', 'ali\nce'],
  ['an escape character', 'bob\u001b[31m'],
  ['a bidi override', 'eve\u202Egnp.exe'],
] as const) {
  test(`a username that is ${label} is refused with INVALID_USERNAME and a close`, async (t) => {
    const { wsUrl } = await startServer(t);
    const client = await TestClient.connect(t, wsUrl);
    client.send({ type: 'IDENTIFY', username });
    await expectRefused(client, 'INVALID_USERNAME');
  });
}

test('a username of exactly 64 characters (astral ones count once) is accepted', async (t) => {
  const { wsUrl } = await startServer(t);
  const a = await identifiedClient(t, wsUrl, 'x'.repeat(64));
  assert.equal(a.username, 'x'.repeat(64));
  const b = await identifiedClient(t, wsUrl, '\u{1F600}'.repeat(64));
  assert.equal(b.username, '\u{1F600}'.repeat(64));
});

test('a refused IDENTIFY claims nothing, and closing frees the name', async (t) => {
  const { wsUrl } = await startServer(t);
  const taken = await identifiedClient(t, wsUrl, 'carol');
  const refused = await TestClient.connect(t, wsUrl);
  refused.send({ type: 'IDENTIFY', username: 'Carol' });
  await expectRefused(refused, 'USERNAME_TAKEN');
  await taken.close();
  // The refusal did not claim the name, and the close freed it.
  await identifiedClient(t, wsUrl, 'CAROL');
});

test('a client that does not identify in time is closed with 4001', async (t) => {
  const { wsUrl } = await startServer(t, { identifyTimeoutMs: 200 });
  const silent = await TestClient.connect(t, wsUrl);
  const closed = await silent.closed;
  assert.equal(closed.code, 4001);
  assert.equal(silent.received.length, 0);
});

test('the identify timeout does not touch a client that identified', async (t) => {
  const { wsUrl } = await startServer(t, { identifyTimeoutMs: 200 });
  const quick = await identifiedClient(t, wsUrl, 'quick');
  // A later connection timing out proves the timeout has passed for the earlier one too.
  const late = await TestClient.connect(t, wsUrl);
  assert.equal((await late.closed).code, 4001);
  await quick.sync();
  assert.equal(quick.ws.readyState, quick.ws.OPEN);
});

test('a first message other than IDENTIFY is answered NOT_IDENTIFIED and the connection is kept', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.send({ type: 'JOIN_ROOM', roomId: 'lobby' });
  const refusal = await client.next('ERROR');
  assert.equal(refusal.code, 'NOT_IDENTIFIED');
  assert.equal(refusal.ref, 'JOIN_ROOM');
  client.send({ type: 'SDP_OFFER', toPeerId: 'x', sdp: { type: 'offer', sdp: 'v=0' } });
  assert.equal((await client.next('ERROR')).code, 'NOT_IDENTIFIED');
  // Still open, and identifying now works.
  await client.identify('late-but-fine');
  await client.join('lobby');
});

test('a second IDENTIFY is answered ALREADY_IDENTIFIED and changes nothing', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await identifiedClient(t, wsUrl, 'dave');
  const peerId = client.peerId;
  client.send({ type: 'IDENTIFY', username: 'someone-else' });
  const refusal = await client.next('ERROR');
  assert.equal(refusal.code, 'ALREADY_IDENTIFIED');
  assert.equal(refusal.ref, 'IDENTIFY');
  // The first identity stands: "someone-else" is still free, "dave" still taken.
  await identifiedClient(t, wsUrl, 'someone-else');
  const impostor = await TestClient.connect(t, wsUrl);
  impostor.send({ type: 'IDENTIFY', username: 'dave' });
  await expectRefused(impostor, 'USERNAME_TAKEN');
  const [me] = await client.join('r').then((m) => m.members as unknown[]);
  assert.equal(me, undefined);
  assert.equal(client.peerId, peerId);
});

test('IDENTIFY followed at once by JOIN_ROOM and a PING is handled in order', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = await TestClient.connect(t, wsUrl);
  client.send({ type: 'IDENTIFY', username: 'eager' });
  client.send({ type: 'JOIN_ROOM', roomId: 'now' });
  client.send({ type: 'PING', id: 'after-join' });
  const [auth, members, pong] = [await client.next(), await client.next(), await client.next()];
  assert.equal(auth?.type, 'AUTH_SUCCESS');
  assert.deepEqual(members, { type: 'ROOM_MEMBERS', roomId: 'now', members: [] });
  assert.deepEqual(pong, { type: 'PONG', id: 'after-join' });
});

test('every peer gets a different random peer id', async (t) => {
  const { wsUrl } = await startServer(t);
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add((await identifiedClient(t, wsUrl, `u${i}`)).peerId);
  assert.equal(ids.size, 5);
});
