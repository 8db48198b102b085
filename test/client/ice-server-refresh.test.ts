/**
 * TURN credentials past `--turn-ttl`: the SDK renews the ICE servers of AUTH_SUCCESS from the
 * server's `/api/ice-servers` with the session's bearer, before they expire (real server, real
 * sockets; the shortest TTL the server accepts, renewed at a small share of it).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { IceServerRefresh } from '../../client/ice-server-refresh.js';
import { ExponentialBackoffPolicy } from '../../client/reconnect-policy.js';
import { credentialsExpireAt, iceServersUrlFor, requestIceServers } from '../../client/ice-servers.js';
import { SignalingClient } from '../../client/signaling-client.js';
import { turnPassword } from '../../src/auth/turn.js';
import type { Config } from '../../src/config.js';
import type { IceServer } from '../../protocol/messages.js';
import { startServer } from '../helpers/test-server.js';
import { nextEvent } from './events.js';
import { trackedSockets } from './tracked-sockets.js';

const SECRET = 'refresh-test-secret';
const TURN: Partial<Config> = {
  turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
  turnSecret: [SECRET],
  turnTtl: 60,
};
const SAFETY_MS = 15_000;

async function identifiedClient(t: TestContext, wsUrl: string, token?: string) {
  const client = new SignalingClient({ url: wsUrl, WebSocket, reconnect: false });
  t.after(() => client.close());
  await client.connect();
  const identity = await client.identify('alice', token === undefined ? {} : { token });
  return { client, identity };
}

/** A refresh for `client` that records what it applies; `ratio` 0.03 of 60 s renews after 1.8 s. */
function refreshFor(t: TestContext, client: SignalingClient, token = () => client.apiToken) {
  const applied: IceServer[][] = [];
  const waiters: Array<() => void> = [];
  const refresh = new IceServerRefresh(
    {
      url: () => iceServersUrlFor(client.url),
      token,
      apply: (servers) => {
        applied.push(servers);
        for (const wake of waiters.splice(0)) wake();
      },
    },
    0.03,
  );
  t.after(() => refresh.close());
  /** Resolves once `count` lists have been applied (bounded). */
  const untilApplied = async (count: number) => {
    const deadline = Date.now() + SAFETY_MS;
    while (applied.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${applied.length} of ${count} renewals`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 500);
      });
    }
  };
  return { refresh, applied, untilApplied };
}

function turnOf(servers: IceServer[]): { username: string; credential: string } {
  const turn = servers.find((s) => s.username !== undefined);
  assert.ok(turn, JSON.stringify(servers));
  return { username: turn.username as string, credential: turn.credential as string };
}

test('credentials from AUTH_SUCCESS are renewed from /api/ice-servers with the resume token, again and again', async (t) => {
  const { wsUrl } = await startServer(t, TURN);
  const { client, identity } = await identifiedClient(t, wsUrl);
  const token = client.apiToken;
  assert.ok(token, 'a resume token');
  const { refresh, applied, untilApplied } = refreshFor(t, client);

  refresh.use(identity.iceServers as IceServer[]);
  const first = turnOf(applied[0]!);
  await untilApplied(3);
  for (const servers of applied.slice(1)) {
    const { username, credential } = turnOf(servers);
    assert.ok(username.endsWith(`:${identity.peerId}`), username);
    assert.equal(credential, turnPassword(username, SECRET), 'signed with the server secret');
  }
  const expiries = applied.map((s) => credentialsExpireAt(s)!);
  assert.ok(expiries[2]! > expiries[0]!, `later expiry: ${expiries.join(' < ')} (first ${first.username})`);
  assert.deepEqual(refresh.current, applied[2]);
});

test('the auth token is the bearer when resume is off; without a bearer the server refuses and nothing is applied', async (t) => {
  const { wsUrl } = await startServer(t, { ...TURN, resumeGraceMs: 0 });
  const { client, identity } = await identifiedClient(t, wsUrl, 'alice-app-token');
  assert.equal(client.apiToken, 'alice-app-token');
  const url = iceServersUrlFor(client.url) as string;
  assert.equal(await requestIceServers(url), null, 'no bearer: 401');
  assert.equal(await requestIceServers(url, { token: 'someone-else' }), null, 'unknown bearer: 401');

  const refused = refreshFor(t, client, () => null);
  refused.refresh.use(identity.iceServers as IceServer[]);
  assert.equal(await refused.refresh.refresh(), false);
  assert.equal(refused.applied.length, 1, 'only the servers of AUTH_SUCCESS');

  const { refresh, applied } = refreshFor(t, client);
  refresh.use(identity.iceServers as IceServer[]);
  assert.equal(await refresh.refresh(), true);
  assert.equal(applied.length, 2);
  const { username, credential } = turnOf(applied[1]!);
  assert.equal(credential, turnPassword(username, SECRET));
});

test('after a resume the bearer is the new resume token: the old one is refused, renewal goes on', async (t) => {
  const { wsUrl } = await startServer(t, TURN);
  const { TrackedSocket, sockets } = trackedSockets();
  const client = new SignalingClient({
    url: wsUrl,
    WebSocket: TrackedSocket,
    reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 20, maxDelayMs: 200 }),
  });
  t.after(() => client.close());
  await client.connect();
  await client.identify('alice');
  const oldToken = client.apiToken as string;
  const resumed = nextEvent(client, 'identified');
  sockets.at(-1)?.terminate(); // a network blip: no close frame, the server holds the session
  const identity = await resumed;
  assert.equal(identity.resumed, true);
  assert.ok(identity.iceServers, 'a resume brings fresh credentials');
  const newToken = client.apiToken as string;
  assert.notEqual(newToken, oldToken);
  const url = iceServersUrlFor(client.url) as string;
  assert.equal(await requestIceServers(url, { token: oldToken }), null, 'the old token is refused');

  const { refresh, applied } = refreshFor(t, client);
  refresh.use(identity.iceServers as IceServer[]);
  assert.equal(await refresh.refresh(), true);
  assert.equal(applied.length, 2);
});
