import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient } from '../helpers/test-client.js';
import { defineConfig, type Config } from '../../src/config.js';
import { checkCombinations } from '../../src/module-options.js';
import { createJwtAuthenticator } from '../../src/auth/jwt.js';
import type { Authenticator } from '../../src/core/authenticator.js';
import { lastToken, resume, tryResume, waitUntil } from '../reliability/resume-helpers.js';
import { expectRefused, identifyOutcome, tempFiles } from './helpers/auth.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** An HS256 token; it expires in ten minutes unless `payload` says otherwise or `withExp` is false. */
function hs256(payload: JWTPayload, secret: Uint8Array = key, withExp = true): Promise<string> {
  const claims = withExp ? { exp: now() + 600, ...payload } : payload;
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(secret);
}

/** An unsigned token (`alg: none`), the classic bypass attempt. */
function unsigned(payload: JWTPayload): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

test('--auth jwt (HS256): the token names the user; refusals are AUTH_ERROR UNAUTHORIZED and close 1008', async (t) => {
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwtSecret: SECRET });

  const ok = await identifyOutcome(t, wsUrl, { username: 'alice', token: await hs256({ sub: 'alice' }) });
  assert.equal(ok.answer.type, 'AUTH_SUCCESS');
  assert.equal(ok.answer.username, 'alice');

  const claim = await identifyOutcome(t, wsUrl, {
    username: '',
    token: await hs256({ sub: 'user-123', username: 'Bob' }),
  });
  assert.equal(
    claim.answer.username,
    'Bob',
    'the username claim wins over sub; an empty IDENTIFY name takes it',
  );

  const sameInOtherCase = await identifyOutcome(t, wsUrl, {
    username: 'carol',
    token: await hs256({ sub: 'Carol' }),
  });
  assert.equal(sameInOtherCase.answer.username, 'Carol', 'the name comes from the token');

  const refused = [
    [{ username: 'mallory', token: await hs256({ sub: 'dave' }) }, 'a differing IDENTIFY username'],
    [{ username: 'erin' }, 'no token at all'],
    [{ username: 'erin', token: 'not-a-jwt' }, 'garbage'],
    [{ username: 'erin', token: unsigned({ sub: 'erin' }) }, 'alg: none'],
    [
      { username: 'erin', token: await hs256({ sub: 'erin' }, new TextEncoder().encode('x'.repeat(40))) },
      'wrong key',
    ],
    [{ username: 'erin', token: await hs256({ sub: 'erin', exp: now() - 60 }) }, 'expired'],
    [{ username: 'erin', token: await hs256({ sub: 'erin', nbf: now() + 600 }) }, 'not yet valid'],
    [{ username: 'erin', token: await hs256({}) }, 'no sub or username'],
    [{ username: 'erin', token: await hs256({ sub: 'erin', rooms: 'lobby' }) }, 'malformed rooms claim'],
  ] as const;
  for (const [identify, why] of refused) {
    await assert.doesNotReject(expectRefused(t, wsUrl, identify, 'UNAUTHORIZED'), why);
  }
});

test('--auth jwt: the token may also come as ?token= on the upgrade URL', async (t) => {
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwtSecret: SECRET });
  const token = await hs256({ sub: 'url-user' });
  const client = await TestClient.connect(t, `${wsUrl}?token=${encodeURIComponent(token)}`);
  const answer = await client.identify('url-user');
  assert.equal(answer.username, 'url-user');
});

test('--auth jwt: the rooms claim limits JOIN_ROOM (FORBIDDEN_ROOM), the connection stays open', async (t) => {
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwtSecret: SECRET });
  const client = await TestClient.connect(t, wsUrl);
  await client.identify('roomy', { token: await hs256({ sub: 'roomy', rooms: ['lobby'] }) });
  client.send({ type: 'JOIN_ROOM', roomId: 'vault' });
  const error = await client.next('ERROR');
  assert.equal(error.code, 'FORBIDDEN_ROOM');
  await client.join('lobby');
});

test('--auth jwt: aud and iss are enforced when configured', async (t) => {
  const { wsUrl } = await startServer(t, {
    auth: 'jwt',
    jwtSecret: SECRET,
    jwtAudience: 'signalroom',
    jwtIssuer: 'https://idp.example',
  });
  const good = { sub: 'ann', aud: 'signalroom', iss: 'https://idp.example' };
  assert.equal(
    (await identifyOutcome(t, wsUrl, { username: 'ann', token: await hs256(good) })).answer.type,
    'AUTH_SUCCESS',
  );
  for (const bad of [
    { ...good, sub: 'ann2', aud: 'other-app' },
    { ...good, sub: 'ann3', iss: 'https://evil.example' },
    { sub: 'ann4' },
  ]) {
    await expectRefused(t, wsUrl, { username: bad.sub, token: await hs256(bad) }, 'UNAUTHORIZED');
  }
});

test('--auth jwt with a PEM public key (RS256); an HS256 token signed with the public key is refused', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const file = tempFiles(t)('public.pem', pem);
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwtPublicKeyFile: file });
  const rs256 = await new SignJWT({ sub: 'rsa-user' })
    .setProtectedHeader({ alg: 'RS256' })
    .setExpirationTime('10m')
    .sign(privateKey);
  assert.equal(
    (await identifyOutcome(t, wsUrl, { username: 'rsa-user', token: rs256 })).answer.type,
    'AUTH_SUCCESS',
  );
  const confused = await hs256({ sub: 'rsa-user2' }, new TextEncoder().encode(pem));
  await expectRefused(t, wsUrl, { username: 'rsa-user2', token: confused }, 'UNAUTHORIZED');
  const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const forged = await new SignJWT({ sub: 'rsa-user3' })
    .setProtectedHeader({ alg: 'RS256' })
    .setExpirationTime('10m')
    .sign(otherKey);
  await expectRefused(t, wsUrl, { username: 'rsa-user3', token: forged }, 'UNAUTHORIZED');
});

test('--auth jwt with a JWKS file (ES256, matched by kid)', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const file = tempFiles(t)('jwks.json', JSON.stringify({ keys: [jwk] }));
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwksFile: file });
  const sign = (kid: string) =>
    new SignJWT({ sub: `ec-${kid}` })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setExpirationTime('10m')
      .sign(privateKey);
  assert.equal(
    (await identifyOutcome(t, wsUrl, { username: 'ec-k1', token: await sign('k1') })).answer.type,
    'AUTH_SUCCESS',
  );
  await expectRefused(t, wsUrl, { username: 'ec-k2', token: await sign('k2') }, 'UNAUTHORIZED');
});

test('repeated failed identifies from one IP are throttled with RATE_LIMITED, even with a good token', async (t) => {
  const { wsUrl } = await startServer(t, { auth: 'jwt', jwtSecret: SECRET, authFailuresPerMinute: 3 });
  for (let i = 0; i < 3; i++) {
    await expectRefused(t, wsUrl, { username: `guess${i}`, token: `bad-${i}` }, 'UNAUTHORIZED');
  }
  const answer = await expectRefused(
    t,
    wsUrl,
    { username: 'real', token: await hs256({ sub: 'real' }) },
    'RATE_LIMITED',
  );
  assert.match(answer.message as string, /too many failed/i);
});

test('auth option combinations are checked at start-up', () => {
  const check = (c: Partial<Config>) => () => checkCombinations(defineConfig(c));
  assert.throws(check({ auth: 'jwt' }), /exactly one/);
  assert.throws(check({ auth: 'jwt', jwtSecret: SECRET, jwksFile: '/x' }), /exactly one/);
  assert.throws(check({ jwtSecret: SECRET }), /--auth is none/);
  assert.throws(check({ auth: 'webhook' }), /--auth-url/);
  assert.throws(check({ auth: 'webhook', authUrl: 'ftp://x' }), /--auth-url/);
  assert.throws(check({ authUrl: 'http://x' }), /--auth webhook/);
  assert.throws(check({ jwtAllowNoExp: true }), /--auth is none/);
  assert.doesNotThrow(check({ auth: 'jwt', jwtSecret: SECRET }));
  assert.equal(defineConfig().auth, 'none');
  assert.equal(defineConfig().jwtAllowNoExp, false);
});

test('a short HS256 secret or a bad key file stops start-up', async (t) => {
  const { createServer } = await import('../../src/server.js');
  const write = tempFiles(t);
  const base = { port: 0, host: '127.0.0.1', logLevel: 'silent' } as const;
  await assert.rejects(createServer({ ...base, auth: 'jwt', jwtSecret: 'short' }), /at least 32/);
  await assert.rejects(
    createServer({ ...base, auth: 'jwt', jwtPublicKeyFile: write('bad.pem', 'nope') }),
    /PEM/,
  );
  await assert.rejects(createServer({ ...base, auth: 'jwt', jwksFile: write('bad.json', '{') }), /not JSON/);
  const oct = write('oct.json', JSON.stringify({ keys: [{ kty: 'oct', k: 'AAAA' }] }));
  await assert.rejects(createServer({ ...base, auth: 'jwt', jwksFile: oct }), /symmetric/);
});

test('--auth jwt: a token without exp is refused unless --jwt-allow-no-exp', async (t) => {
  const strict = await startServer(t, { auth: 'jwt', jwtSecret: SECRET });
  const forever = await hs256({ sub: 'forever' }, key, false);
  const answer = await expectRefused(
    t,
    strict.wsUrl,
    { username: 'forever', token: forever },
    'UNAUTHORIZED',
  );
  assert.match(answer.message as string, /no expiry \(exp claim\)/);

  const lenient = await startServer(t, { auth: 'jwt', jwtSecret: SECRET, jwtAllowNoExp: true });
  const { answer: ok } = await identifyOutcome(t, lenient.wsUrl, { username: 'forever', token: forever });
  assert.equal(ok.type, 'AUTH_SUCCESS');
});

test('--auth jwt: the identity carries the token expiry, with the clock tolerance of the check', async () => {
  const authenticate = createJwtAuthenticator({ key: { secret: SECRET } });
  const exp = now() + 120;
  const identity = await authenticate({
    username: 'timed',
    token: await hs256({ sub: 'timed', exp }),
    ip: '::1',
  });
  assert.equal(identity.expiresAt, (exp + 5) * 1000);
  const lenient = createJwtAuthenticator({ key: { secret: SECRET }, allowNoExp: true });
  const forever = await lenient({ username: 'f', token: await hs256({ sub: 'f' }, key, false), ip: '::1' });
  assert.equal(forever.expiresAt, undefined);
});

test('a held session is not resumed once its credentials have expired: AUTH_ERROR UNAUTHORIZED, room told', async (t) => {
  // Alice's identity expires shortly after identify (as a JWT's exp would), well within the grace
  // period; everyone else's in an hour.
  const expiry = new Map<string, number>();
  const authenticate: Authenticator = async ({ username }) => {
    const expiresAt = Date.now() + (username === 'alice' ? 300 : 3_600_000);
    expiry.set(username, expiresAt);
    return { username, expiresAt };
  };
  const { wsUrl, server } = await startServer(t, {}, { authenticate });
  const alice = await identifiedClient(t, wsUrl, 'alice');
  await alice.join('expiring');
  const bob = await identifiedClient(t, wsUrl, 'bob');
  await bob.join('expiring');
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'alice is held');
  await waitUntil(() => Date.now() > (expiry.get('alice') ?? 0), 'her credentials expire');
  const answer = await tryResume(t, wsUrl, lastToken(alice));
  assert.equal(answer.type, 'AUTH_ERROR');
  assert.equal(answer.code, 'UNAUTHORIZED');
  assert.match(answer.message as string, /credentials expired at .*identify again with a fresh token/);
  assert.equal(((await bob.next('PEER_LEFT_ROOM')).peer as { id: string }).id, alice.peerId);
  assert.equal(server.core.stats().held, 0);

  // Before the expiry a resume works.
  bob.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'bob is held');
  const { auth } = await resume(t, wsUrl, bob);
  assert.equal(auth.resumed, true);
});
