import { test } from 'node:test';
import assert from 'node:assert/strict';
import { turnPassword } from '../../src/auth/turn.js';
import { startServer } from '../helpers/test-server.js';
import { identifiedClient } from '../helpers/test-client.js';
import { lastToken, resume, waitUntil } from '../reliability/resume-helpers.js';
import { scrape, value } from './helpers/prometheus.js';

const TURN = { turnUrls: ['turn:127.0.0.1:3478'], turnSecret: ['resume-secret'] };

test('a resume is counted, gets fresh TURN credentials, and its token works for /api/ice-servers', async (t) => {
  const { server, wsUrl, httpUrl } = await startServer(t, TURN);
  const alice = await identifiedClient(t, wsUrl, 'alice');
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  assert.equal((await fetch(`${httpUrl}/api/ice-servers`, bearer(lastToken(alice)))).status, 200);
  alice.terminate();
  await waitUntil(() => server.core.stats().held === 1, 'the server holds alice');
  const { auth } = await resume(t, wsUrl, alice);
  assert.equal(auth.resumed, true);
  const turn = (auth.iceServers as { username: string; credential: string }[])[0];
  assert.ok(turn && turn.username.endsWith(`:${alice.peerId}`));
  assert.equal(turn.credential, turnPassword(turn.username, 'resume-secret'));
  // The old token was replaced at the resume; the new one identifies the peer.
  assert.equal((await fetch(`${httpUrl}/api/ice-servers`, bearer(lastToken(alice)))).status, 401);
  const fresh = await fetch(`${httpUrl}/api/ice-servers`, bearer(auth.resumeToken as string));
  assert.equal(fresh.status, 200);
  const s = await scrape(`${httpUrl}/metrics`);
  assert.equal(value(s, 'signalroom_resumes_total'), 1);
  assert.equal(value(s, 'signalroom_connections_total'), 2);
});
