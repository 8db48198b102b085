/**
 * Every node answers the HTTP API for every session (issue #18): `/api/ice-servers` for a bearer of
 * a session on any node, and the admin API (rooms, room details, kick) for rooms and peers on any
 * node. Written once, run on a single Redis (http-api.test.ts) and on a Redis Cluster
 * (redis-cluster.test.ts). The nodes must run with {@link HTTP_API_ARGS}.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { turnPassword } from '../../src/auth/turn.js';
import { TestClient } from '../helpers/test-client.js';
import { lastToken, resume, tryResume } from '../reliability/resume-helpers.js';
import { until, type ClusterNode } from './cluster.js';
import type { Deployment } from './conformance.js';

export const ADMIN_TOKEN = 'admin-token-for-the-cluster-tests';
export const TURN_SECRET = 'turn-secret-of-the-cluster-tests';
export const ALLOWED_ORIGIN = 'https://app.example.com';

/** TURN, the admin API and one allowed origin, on every node. */
export const HTTP_API_ARGS = [
  '--turn-urls',
  'turn:turn.example.com:3478',
  '--turn-secret',
  TURN_SECRET,
  '--admin-token',
  ADMIN_TOKEN,
  '--allowed-origins',
  ALLOWED_ORIGIN,
];

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The auth token a client identifies with (a JWT when the nodes run `--auth jwt`). */
export type TokenFor = (username: string) => Promise<string>;

/** A client on `node`, identified as `username` with its token. */
async function login(t: TestContext, node: ClusterNode, username: string, tokenFor: TokenFor) {
  const client = await TestClient.connect(t, node.wsUrl);
  await client.identify(username, { token: await tokenFor(username) });
  return client;
}

/** GET /api/ice-servers on `node` with `bearer`: the status, and the TURN username when 200. */
export async function askIceServers(
  node: ClusterNode,
  bearer: string,
  origin?: string,
): Promise<{ status: number; turnUser: string; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (origin) headers.origin = origin;
  const res = await fetch(`${node.httpUrl}/api/ice-servers`, { headers });
  const body = (await res.json()) as { iceServers?: Array<{ username?: string; credential?: string }> };
  let turnUser = '';
  if (res.status === 200) {
    const turn = body.iceServers?.find((s) => s.username !== undefined);
    turnUser = turn?.username ?? '';
    assert.equal(turn?.credential, turnPassword(turnUser, TURN_SECRET), 'a credential coturn accepts');
  }
  return { status: res.status, turnUser, headers: res.headers };
}

/** Every node answers 401 for `bearer` (polled: the index follows a close within a round trip). */
async function refusedEverywhere(nodes: ClusterNode[], bearer: string, what: string): Promise<void> {
  for (const node of nodes) {
    await until(async () => (await askIceServers(node, bearer)).status === 401, `${what} → 401`, 5_000);
  }
}

/** Every node answers 200 for `bearer`, with credentials for `peerId`. */
async function answeredEverywhere(nodes: ClusterNode[], bearer: string, peerId: string): Promise<void> {
  for (const node of nodes) {
    const { status, turnUser } = await askIceServers(node, bearer);
    assert.equal(status, 200, `node ${node.port} answers for ${peerId}`);
    assert.match(turnUser, new RegExp(`^\\d+:${peerId}$`), 'the credentials name the peer');
  }
}

/**
 * Two clients per node, with auth tokens from `tokenFor`: every node answers every client's auth
 * and resume token; a wrong token, a closed session's tokens and a resumed session's old token get
 * 401 on every node, its new token 200.
 */
export async function iceServersOnEveryNode(
  t: TestContext,
  { nodes, inspect, keys }: Deployment,
  tokenFor: TokenFor,
): Promise<void> {
  const clients: Array<{ client: TestClient; token: string; resumeToken: string }> = [];
  for (const [i, node] of nodes.entries()) {
    for (const n of [0, 1]) {
      const username = `ice-${i}-${n}`;
      const token = await tokenFor(username);
      const client = await TestClient.connect(t, node.wsUrl);
      await client.identify(username, { token });
      clients.push({ client, token, resumeToken: lastToken(client) });
    }
  }
  for (const { client, token, resumeToken } of clients) {
    await answeredEverywhere(nodes, token, client.peerId);
    await answeredEverywhere(nodes, resumeToken, client.peerId);
  }
  for (const node of nodes) {
    assert.equal((await askIceServers(node, 'not-a-live-token')).status, 401);
    const res = await fetch(`${node.httpUrl}/api/ice-servers`);
    assert.equal(res.status, 401, 'no bearer');
    assert.equal(((await res.json()) as { error: string }).error, 'UNAUTHORIZED');
  }

  // A session that ends: both its tokens stop working everywhere.
  const ended = clients[0] as (typeof clients)[0];
  await ended.client.close();
  await refusedEverywhere(nodes, ended.token, 'the auth token of a closed session');
  await refusedEverywhere(nodes, ended.resumeToken, 'the resume token of a closed session');

  // A session that resumes on another node: its new resume token works everywhere, the old one nowhere.
  const moved = clients[1] as (typeof clients)[0];
  moved.client.terminate();
  // Held for resume once its node noticed the drop: no connection, so its tokens name no one.
  await refusedEverywhere(nodes, moved.resumeToken, 'the resume token of a held session');
  await refusedEverywhere(nodes, moved.token, 'the auth token of a held session');
  const back = await resume(t, (nodes[2] as ClusterNode).wsUrl, moved.client);
  assert.equal(back.auth.resumed, true);
  const renewed = lastToken(back.client);
  await answeredEverywhere(nodes, renewed, back.client.peerId);
  await refusedEverywhere(nodes, moved.resumeToken, 'a resume token replaced by a resume');

  // Every session ends: no bearer is left in any node's hash.
  for (const { client } of clients.slice(2)) await client.close();
  await back.client.close();
  const left = async () => {
    let n = 0;
    for (const node of nodes) n += await inspect.hlen(keys.nodeBearers(node.nodeId));
    return n;
  };
  await until(async () => (await left()) === 0, 'every bearer hash emptied', 5_000);
}

type AdminRoom = { id: string; members: number };

async function adminGet<T>(node: ClusterNode, path: string): Promise<T> {
  const res = await fetch(`${node.httpUrl}${path}`, { headers: admin });
  assert.equal(res.status, 200, `GET ${path} on node ${node.port}`);
  return (await res.json()) as T;
}

/** Every room through `node`'s admin API, `limit` at a time; asserts each page's shape. */
export async function walkRooms(node: ClusterNode, limit: number, between?: () => Promise<void>) {
  const rooms: AdminRoom[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const query: string = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${cursor}`;
    const page: { rooms: AdminRoom[]; next: string | null } = await adminGet(node, `/api/rooms?${query}`);
    assert.ok(page.rooms.length <= limit, `a page of at most ${limit}`);
    rooms.push(...page.rooms);
    cursor = page.next;
    if (cursor === null) return rooms;
    await between?.();
  }
  throw new Error('the walk did not end');
}

/**
 * Room details and a kick from one node for a peer on another; the room is told; the member lists
 * agree on every node.
 */
export async function adminAcrossNodes(
  t: TestContext,
  { nodes }: Deployment,
  tokenFor: TokenFor,
): Promise<void> {
  const [n1, n2, n3] = nodes as [ClusterNode, ClusterNode, ClusterNode];
  const people: TestClient[] = [];
  for (const [node, name] of [
    [n1, 'adm-alice'],
    [n2, 'adm-bob'],
    [n3, 'adm-carol'],
  ] as const) {
    const client = await login(t, node, name, tokenFor);
    await client.join('adm-room');
    people.push(client);
  }
  const [alice, bob, carol] = people as [TestClient, TestClient, TestClient];
  for (const node of nodes) {
    const detail = await adminGet<{ id: string; members: Array<{ id: string; username: string }> }>(
      node,
      '/api/rooms/adm-room',
    );
    assert.deepEqual(detail.members.map((m) => m.username).sort(), ['adm-alice', 'adm-bob', 'adm-carol']);
    const listed = (await walkRooms(node, 100)).find((r) => r.id === 'adm-room');
    assert.deepEqual(listed, { id: 'adm-room', members: 3 });
  }

  const kick = await fetch(`${n1.httpUrl}/api/rooms/adm-room/peers/${carol.peerId}`, {
    method: 'DELETE',
    headers: admin,
  });
  assert.equal(kick.status, 204, 'node 1 kicks a peer connected to node 3');
  // Answered once it has taken effect: every node's room details already lack the peer.
  const after = await adminGet<{ members: Array<{ username: string }> }>(n2, '/api/rooms/adm-room');
  assert.deepEqual(after.members.map((m) => m.username).sort(), ['adm-alice', 'adm-bob']);
  assert.equal((await carol.closed).code, 4004);
  for (const member of [alice, bob]) {
    const left = await member.next('PEER_LEFT_ROOM');
    assert.deepEqual(left.peer, { id: carol.peerId, username: 'adm-carol' });
  }
  const again = await fetch(`${n2.httpUrl}/api/rooms/adm-room/peers/${carol.peerId}`, {
    method: 'DELETE',
    headers: admin,
  });
  assert.equal(again.status, 404, 'a kicked peer is no longer a member');

  // A peer held for resume on node 3 (its connection lost): the kick from node 2 ends the hold.
  const dave = await login(t, n3, 'adm-dave', tokenFor);
  await dave.join('adm-room');
  for (const member of [alice, bob]) await member.next('NEW_PEER_IN_ROOM');
  dave.terminate();
  await until(
    async () => (await adminGet<{ peers: number }>(n3, '/api/stats')).peers === 0,
    'node 3 holds dave for resume (no live peer left there)',
    5_000,
  );
  const held = await fetch(`${n2.httpUrl}/api/rooms/adm-room/peers/${dave.peerId}`, {
    method: 'DELETE',
    headers: admin,
  });
  assert.equal(held.status, 204);
  for (const member of [alice, bob]) {
    const left = await member.next('PEER_LEFT_ROOM');
    assert.deepEqual(left.peer, { id: dave.peerId, username: 'adm-dave' });
  }
  const back = await tryResume(t, n1.wsUrl, lastToken(dave));
  assert.equal(back.type, 'AUTH_ERROR', 'a kicked peer cannot resume');

  // Node 3 hung: the kick cannot take effect and says so (503), well before node 3 could be
  // declared dead; woken, node 3 acts on the kick it was sent, and the room is told.
  const erin = await login(t, n3, 'adm-erin', tokenFor);
  await erin.join('adm-room');
  for (const member of [alice, bob]) await member.next('NEW_PEER_IN_ROOM');
  n3.child.kill('SIGSTOP');
  let hung: Response;
  try {
    hung = await fetch(`${n1.httpUrl}/api/rooms/adm-room/peers/${erin.peerId}`, {
      method: 'DELETE',
      headers: admin,
    });
  } finally {
    n3.child.kill('SIGCONT');
  }
  assert.equal(hung.status, 503, 'a kick the holder did not act on is not a success');
  const refusal = (await hung.json()) as { error: string; message: string };
  assert.equal(refusal.error, 'UNAVAILABLE');
  assert.match(refusal.message, /did not act on the kick/);
  assert.equal((await erin.closed).code, 4004);
  for (const member of [alice, bob]) {
    const left = await member.next('PEER_LEFT_ROOM');
    assert.deepEqual(left.peer, { id: erin.peerId, username: 'adm-erin' });
  }
  for (const client of [alice, bob]) await client.close();
}

/** The sum of the room index's sorted sets. */
export async function indexedRooms({ inspect, keys }: Deployment): Promise<number> {
  let n = 0;
  for (const key of keys.roomIndexShards()) n += await inspect.zcard(key);
  return n;
}

/**
 * Many rooms over three nodes, paged through from each node in a stable order, every room exactly
 * once even while rooms come and go between pages; every index entry gone once the rooms empty.
 */
export async function roomPagination(
  t: TestContext,
  deployment: Deployment,
  tokenFor: TokenFor,
  rooms = 45,
): Promise<void> {
  const { nodes } = deployment;
  const ids = Array.from({ length: rooms }, (_, i) => `page-${String(i).padStart(3, '0')}`);
  const clients: TestClient[] = [];
  for (const [i, id] of ids.entries()) {
    const client = await login(t, nodes[i % nodes.length] as ClusterNode, `pager-${i}`, tokenFor);
    await client.join(id);
    clients.push(client);
  }
  for (const node of nodes) {
    const walked = await walkRooms(node, 7);
    assert.deepEqual(
      walked.map((r) => r.id),
      ids,
      'every room once, in id order',
    );
    assert.ok(walked.every((r) => r.members === 1));
    const stats = await adminGet<{ rooms: number }>(node, '/api/stats');
    assert.equal(stats.rooms, rooms);
  }

  // Rooms created and removed during a walk: those present throughout appear exactly once.
  const churn: TestClient[] = [];
  let step = 0;
  const walked = await walkRooms(nodes[1] as ClusterNode, 5, async () => {
    const extra = await login(t, nodes[step % nodes.length] as ClusterNode, `churn-${step}`, tokenFor);
    await extra.join(`page-${String(step).padStart(3, '0')}-x`);
    churn.push(extra);
    // Every other page, the room made before the last one goes again.
    if (step % 2 === 1) await (churn.splice(-2, 1)[0] as TestClient).close();
    step++;
  });
  const seen = walked.map((r) => r.id);
  assert.equal(new Set(seen).size, seen.length, 'no room twice');
  for (const id of ids) assert.ok(seen.includes(id), `${id} listed`);
  assert.deepEqual([...seen].sort(), seen, 'in order');

  for (const client of [...clients, ...churn]) await client.close();
  await until(async () => (await indexedRooms(deployment)) === 0, 'the room index is empty', 10_000);
  for (const node of nodes) {
    assert.deepEqual(await walkRooms(node, 10), []);
    assert.equal((await adminGet<{ rooms: number }>(node, '/api/stats')).rooms, 0);
  }
}

/**
 * A bearer whose session's credentials expired gets 401 on every node, though the session is
 * still connected. `expiring` makes a token the server takes as expiring at the returned time (ms).
 */
export async function expiredBearer(
  t: TestContext,
  { nodes }: Deployment,
  expiring: (username: string) => Promise<{ token: string; expiresAt: number }>,
): Promise<void> {
  const { token, expiresAt } = await expiring('ice-expiring');
  const client = await TestClient.connect(t, (nodes[0] as ClusterNode).wsUrl);
  await client.identify('ice-expiring', { token });
  assert.ok(Date.now() < expiresAt - 300, 'time left to ask before the expiry');
  await answeredEverywhere(nodes, token, client.peerId);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 50));
  for (const node of nodes) {
    assert.equal((await askIceServers(node, token)).status, 401, `node ${node.port}: expired auth token`);
    assert.equal((await askIceServers(node, lastToken(client))).status, 401, 'its resume token too');
  }
  await client.close();
}
