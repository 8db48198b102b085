import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IceServerIssuer, turnPassword, turnUsername } from '../../src/auth/turn.js';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient } from '../helpers/test-client.js';
import { TURNSERVER_CONF, startCoturn } from './helpers/coturn.js';
import { turnAllocate } from './helpers/stun-client.js';

const SECRET = 'coturn-test-secret-4f1b';

test('deploy/turnserver.conf is what the test runs: only the marked lines change', () => {
  const deployed = readFileSync(TURNSERVER_CONF, 'utf8');
  for (const line of ['use-auth-secret', 'fingerprint', 'no-multicast-peers', 'realm=turn.example.com']) {
    assert.ok(deployed.split('\n').includes(line), `deploy/turnserver.conf lacks ${line}`);
  }
});

test('coturn accepts the credentials signalroom hands out and refuses tampered or expired ones', async (t) => {
  const coturn = await startCoturn(t, [SECRET]);
  const { wsUrl } = await startServer(t, {
    turnUrls: [`turn:127.0.0.1:${coturn.port}`],
    turnSecret: [SECRET],
  });
  const client = await identifiedClient(t, wsUrl, 'alice');
  const auth = client.received.find((m) => m.type === 'AUTH_SUCCESS');
  const turn = (auth?.iceServers as { urls: string[]; username: string; credential: string }[])[0];
  assert.ok(turn, 'AUTH_SUCCESS carries a TURN server');

  const granted = await turnAllocate(coturn.port, turn.username, turn.credential);
  assert.equal(granted.ok, true, `refused: ${JSON.stringify(granted)}\n${coturn.output()}`);
  assert.ok(granted.ok && granted.relayed.address === '127.0.0.1' && granted.relayed.port > 0);

  const tampered = turn.credential.startsWith('A')
    ? `B${turn.credential.slice(1)}`
    : `A${turn.credential.slice(1)}`;
  assert.deepEqual(pick(await turnAllocate(coturn.port, turn.username, tampered)), { ok: false, code: 401 });
  // Another peer id under the same signature: the username is part of what is signed.
  const [expiry] = turn.username.split(':');
  const forged = `${expiry}:someone-else`;
  assert.deepEqual(pick(await turnAllocate(coturn.port, forged, turn.credential)), { ok: false, code: 401 });
  // Correctly signed, but expired a minute ago.
  const expired = turnUsername(Math.floor(Date.now() / 1000) - 60, client.peerId);
  assert.deepEqual(pick(await turnAllocate(coturn.port, expired, turnPassword(expired, SECRET))), {
    ok: false,
    code: 401,
  });
});

test('secret rotation: coturn holding the new and the old secret accepts credentials of either', async (t) => {
  const coturn = await startCoturn(t, ['the-new-secret', 'the-old-secret']);
  const issuer = new IceServerIssuer({
    stunUrls: [],
    turnUrls: [`turn:127.0.0.1:${coturn.port}`],
    secrets: ['the-new-secret', 'the-old-secret'],
    ttlSeconds: 600,
  });
  const turn = issuer.issue('peer-1')?.[0] as { username: string; credential: string };
  assert.equal((await turnAllocate(coturn.port, turn.username, turn.credential)).ok, true);
  assert.equal(turn.credential, turnPassword(turn.username, 'the-new-secret'), 'the first secret signs');
  // Credentials handed out before the switch, signed with the old secret, still work until they expire.
  const old = turnPassword(turn.username, 'the-old-secret');
  assert.equal((await turnAllocate(coturn.port, turn.username, old)).ok, true);
  const unknown = turnPassword(turn.username, 'a-retired-secret');
  assert.deepEqual(pick(await turnAllocate(coturn.port, turn.username, unknown)), { ok: false, code: 401 });
});

function pick(result: Awaited<ReturnType<typeof turnAllocate>>): { ok: boolean; code?: number } {
  return result.ok ? { ok: true } : { ok: false, code: result.code };
}
