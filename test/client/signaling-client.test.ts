/** SignalingClient against a real server over real sockets (Node, with `ws`). */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { SignalroomError } from '../../client/errors.js';
import { ExponentialBackoffPolicy } from '../../client/reconnect-policy.js';
import { SignalingClient } from '../../client/signaling-client.js';
import type { SignalingClientOptions } from '../../client/signaling-types.js';
import { startServer } from '../helpers/test-server.js';
import { startTcpProxy } from '../reliability/tcp-proxy.js';
import { nextEvent, record } from './events.js';
import { trackedSockets } from './tracked-sockets.js';

/** A client registered for cleanup; fast reconnects so the tests do not wait on real backoff. */
function newClient(
  t: TestContext,
  url: string,
  options: Partial<SignalingClientOptions> = {},
): SignalingClient {
  const client = new SignalingClient({
    url,
    WebSocket,
    reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 20, maxDelayMs: 200 }),
    ...options,
  });
  t.after(() => client.close());
  return client;
}

/** Server options for a signal budget of `burst` at once and `perSecond` after, whatever the room. */
function signalBudget(burst: number, perSecond: number) {
  return {
    messageBurst: burst,
    maxMessagesPerSecond: perSecond,
    relayBurstPerPeer: 0,
    relaysPerSecondPerPeer: 0,
  };
}

/** Send `bob` the ICE candidates numbered `from` to `to - 1`, from `alice`. */
function sendNumbered(alice: SignalingClient, bob: SignalingClient, from: number, to: number): void {
  for (let i = from; i < to; i++)
    alice.sendCandidate(bob.peerId as string, { candidate: `candidate:${i} 1 udp 1 127.0.0.1 9 typ host` });
}

/**
 * The numbers of the candidates `bob` receives, once `count` arrived or after `safetyMs` (a loss
 * then fails the test's assertion instead of hanging it).
 */
function collectNumbered(bob: SignalingClient, count: number, safetyMs: number) {
  const got: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const settled = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, safetyMs);
    bob.on('signal', (m) => {
      if (m.type !== 'ICE_CANDIDATE') return;
      got.push(Number(/^candidate:(\d+)/.exec(m.iceCandidate.candidate)?.[1]));
      if (got.length === count) resolve();
    });
  }).finally(() => clearTimeout(timer));
  return { got, settled };
}

async function identified(t: TestContext, url: string, username: string, room?: string) {
  const client = newClient(t, url);
  await client.connect();
  await client.identify(username);
  if (room !== undefined) await client.join(room);
  return client;
}

test('connect, identify, join: members, joins, relayed signals and leaves arrive as typed events', async (t) => {
  const { wsUrl } = await startServer(t);
  const alice = newClient(t, wsUrl);
  const states = record(alice, 'state');
  await alice.connect();
  const me = await alice.identify('  alice ');
  assert.equal(me.username, 'alice');
  assert.match(me.peerId, /^[0-9a-f-]{36}$/);
  assert.equal(alice.peerId, me.peerId);
  assert.deepEqual(await alice.join('room-1'), []);
  assert.equal(alice.roomId, 'room-1');

  const joined = nextEvent(alice, 'peer-joined');
  const bob = await identified(t, wsUrl, 'bob');
  const bobMembers = nextEvent(bob, 'members');
  assert.deepEqual(await bob.join('room-1'), [{ id: me.peerId, username: 'alice' }]);
  assert.deepEqual((await bobMembers).members, [{ id: me.peerId, username: 'alice' }]);
  assert.deepEqual(await joined, { roomId: 'room-1', peer: { id: bob.peerId, username: 'bob' } });

  const offer = nextEvent(alice, 'signal');
  bob.sendOffer(me.peerId, { type: 'offer', sdp: 'v=0\r\n' });
  assert.deepEqual(await offer, {
    type: 'SDP_OFFER',
    fromPeerId: bob.peerId,
    toPeerId: me.peerId,
    sdp: { type: 'offer', sdp: 'v=0\r\n' },
  });
  const answer = nextEvent(bob, 'signal');
  alice.sendAnswer(bob.peerId as string, { type: 'answer', sdp: 'v=0\r\n' });
  assert.equal((await answer).type, 'SDP_ANSWER');
  const candidate = nextEvent(bob, 'signal');
  alice.sendCandidate(bob.peerId as string, {
    candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
    sdpMid: '0',
  });
  assert.deepEqual((await candidate).type === 'ICE_CANDIDATE' && (await candidate).iceCandidate, {
    candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host',
    sdpMid: '0',
  });

  const left = nextEvent(alice, 'peer-left');
  const bobLeft = nextEvent(bob, 'room-left');
  await bob.leave();
  assert.deepEqual(await left, { roomId: 'room-1', peer: { id: bob.peerId, username: 'bob' } });
  assert.deepEqual(await bobLeft, { roomId: 'room-1', rejoining: false });
  assert.equal(bob.roomId, null);
  assert.deepEqual(
    states.map((s) => s.state),
    ['connecting', 'connected'],
  );
});

test('refusals carry the protocol code: AUTH_ERROR rejects identify, ERROR rejects join or is emitted', async (t) => {
  const { wsUrl } = await startServer(t);
  await identified(t, wsUrl, 'carol', 'r');

  const impostor = newClient(t, wsUrl);
  await impostor.connect();
  const refusal = await impostor.identify('Carol').then(
    () => assert.fail('a taken username must be refused'),
    (err: unknown) => err,
  );
  assert.ok(refusal instanceof SignalroomError);
  assert.equal(refusal.code, 'USERNAME_TAKEN');
  assert.equal(refusal.fromServer, true);
  assert.equal(refusal.isAuthError, true);
  assert.equal(impostor.state, 'connected'); // the server closed that socket; a retry opens another

  const dave = await identified(t, wsUrl, 'dave');
  await assert.rejects(
    dave.join(''),
    (err: SignalroomError) => err.code === 'INVALID_ROOM' && err.ref === 'JOIN_ROOM',
  );
  await assert.rejects(dave.leave(), (err: SignalroomError) => err.code === 'NOT_IN_ROOM');
  await dave.join('r');
  const error = nextEvent(dave, 'error');
  dave.sendOffer('no-such-peer', { type: 'offer', sdp: 'v=0' });
  const unknown = await error;
  assert.equal(unknown.code, 'UNKNOWN_PEER');
  assert.equal(unknown.ref, 'SDP_OFFER');

  const fresh = newClient(t, wsUrl);
  await assert.rejects(fresh.join('r'), (err: SignalroomError) => err.code === 'NOT_CONNECTED');
  await fresh.connect();
  await assert.rejects(fresh.join('r'), (err: SignalroomError) => err.code === 'NOT_IDENTIFIED');
});

test('after a refused identify the same client identifies under another name and joins', async (t) => {
  const { wsUrl } = await startServer(t);
  const erin = await identified(t, wsUrl, 'erin', 'lobby');
  const client = newClient(t, wsUrl);
  const states = record(client, 'state');
  await client.connect();
  await assert.rejects(client.identify('erin'), (err: SignalroomError) => err.code === 'USERNAME_TAKEN');
  // Taken twice in a row: each refusal closes its socket, each retry opens a new one.
  await assert.rejects(client.identify('Erin'), (err: SignalroomError) => err.code === 'USERNAME_TAKEN');
  const me = await client.identify('erin-2');
  assert.equal(me.username, 'erin-2');
  const joined = nextEvent(erin, 'peer-joined');
  assert.deepEqual(await client.join('lobby'), [{ id: erin.peerId, username: 'erin' }]);
  assert.equal((await joined).peer.id, me.peerId);
  assert.deepEqual(
    states.map((s) => s.state),
    ['connecting', 'connected'],
  );
});

/**
 * A `ws` WebSocket that logs what its client writes (`out:TYPE`) and reads (`in:TYPE`), in order;
 * each socket made is kept in `sockets`.
 */
function loggingSockets(): {
  sockets: Array<{ log: string[] }>;
  LoggingSocket: new (url: string, protocols?: string | string[]) => WebSocket;
} {
  const sockets: Array<{ log: string[] }> = [];
  class LoggingSocket extends WebSocket {
    readonly log: string[] = [];
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push(this);
      // Registered before the client's listener: a frame is logged as read before it is acted on.
      this.on('message', (data: Buffer) =>
        this.log.push(`in:${(JSON.parse(String(data)) as { type: string }).type}`),
      );
    }
    override send(data: string): void {
      this.log.push(`out:${(JSON.parse(data) as { type: string }).type}`);
      super.send(data);
    }
  }
  return { sockets, LoggingSocket };
}

test('identify(name, { room }) joins in the same round trip: JOIN_ROOM goes before AUTH_SUCCESS is back', async (t) => {
  const { wsUrl } = await startServer(t);
  const bob = await identified(t, wsUrl, 'bob', 'lobby');
  const { sockets, LoggingSocket } = loggingSockets();
  const alice = newClient(t, wsUrl, { WebSocket: LoggingSocket });
  const joined = nextEvent(bob, 'peer-joined');
  await alice.connect();
  const me = await alice.identify('alice', { room: 'lobby' });
  assert.equal(me.username, 'alice');
  assert.equal(me.roomId, 'lobby');
  assert.deepEqual(me.members, [{ id: bob.peerId, username: 'bob' }]);
  assert.equal(alice.roomId, 'lobby');
  assert.equal(alice.peerId, me.peerId);
  assert.deepEqual(sockets[0]?.log, ['out:IDENTIFY', 'out:JOIN_ROOM', 'in:AUTH_SUCCESS', 'in:ROOM_MEMBERS']);
  assert.equal((await joined).peer.id, me.peerId);
  // The join counts among the frames after IDENTIFY, as the server counts it: signals still flow.
  const signal = nextEvent(bob, 'signal');
  alice.sendOffer(bob.peerId as string, { type: 'offer', sdp: 'v=0 pipelined' });
  assert.equal((await signal).fromPeerId, me.peerId);
});

test('identify(name, { room }) refused: the AUTH_ERROR rejects it, the room never hears, a retry joins', async (t) => {
  const { wsUrl } = await startServer(t);
  const erin = await identified(t, wsUrl, 'erin', 'lobby');
  const erinSaw = record(erin, 'peer-joined');
  // A short request timeout: a join still awaited from the refused attempt would take the retry's answer.
  const client = newClient(t, wsUrl, { requestTimeoutMs: 3000 });
  const errors = record(client, 'error');
  await client.connect();
  await assert.rejects(
    client.identify('Erin', { room: 'lobby' }),
    (err: SignalroomError) => err.code === 'USERNAME_TAKEN' && err.isAuthError,
  );
  assert.equal(client.state, 'connected');
  assert.equal(client.roomId, null);
  const me = await client.identify('erin-2', { room: 'lobby' });
  assert.deepEqual(me.members, [{ id: erin.peerId, username: 'erin' }]);
  await nextEvent(erin, 'peer-joined');
  assert.deepEqual(
    erinSaw.map((e) => e.peer.username),
    ['erin-2'],
  );
  assert.deepEqual(errors, []);
});

test('identify(name, { room }) with only the join refused: rejects with the join refusal, identified and in no room', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = newClient(t, wsUrl);
  await client.connect();
  await assert.rejects(
    client.identify('dave', { room: '' }),
    (err: SignalroomError) => err.code === 'INVALID_ROOM' && err.ref === 'JOIN_ROOM' && !err.isAuthError,
  );
  assert.equal(client.identified?.username, 'dave');
  assert.equal(client.roomId, null);
  assert.equal(client.state, 'connected');
  // The socket was kept: the session goes on.
  assert.deepEqual(await client.join('r'), []);
  assert.equal(client.roomId, 'r');
});

test('a fresh session after a drop sends its rejoin right behind the IDENTIFY', async (t) => {
  const running = await startServer(t);
  const { sockets, LoggingSocket } = loggingSockets();
  const alice = newClient(t, running.wsUrl, { WebSocket: LoggingSocket });
  await alice.connect();
  await alice.identify('alice', { room: 'lobby' });
  const bob = await identified(t, running.wsUrl, 'bob', 'lobby');
  const back = nextEvent(alice, 'reconnected');
  const bobBack = nextEvent(bob, 'reconnected');
  await running.server.core.closeAll('RESTARTING');
  assert.equal((await back).outcome, 'rejoined');
  assert.equal(alice.roomId, 'lobby');
  // The last socket identified afresh (a resume token, if tried, was refused on an earlier one).
  assert.deepEqual(sockets.at(-1)?.log, [
    'out:IDENTIFY',
    'out:JOIN_ROOM',
    'in:AUTH_SUCCESS',
    'in:ROOM_MEMBERS',
  ]);
  const signal = nextEvent(alice, 'signal');
  await bobBack;
  bob.sendOffer(alice.peerId as string, { type: 'offer', sdp: 'v=0 after' });
  assert.equal((await signal).fromPeerId, bob.peerId);
});

test('after the server closes every connection (1012) the client re-identifies and rejoins on its own', async (t) => {
  const running = await startServer(t);
  const alice = await identified(t, running.wsUrl, 'alice', 'lobby');
  const bob = await identified(t, running.wsUrl, 'bob', 'lobby');
  const oldAliceId = alice.peerId;
  const aliceStates = record(alice, 'state');
  const aliceBack = nextEvent(alice, 'reconnected');
  const bobBack = nextEvent(bob, 'reconnected');
  const aliceIdentified = nextEvent(alice, 'identified');

  await running.server.core.closeAll('RESTARTING');
  assert.equal((await aliceBack).outcome, 'rejoined');
  assert.equal((await bobBack).outcome, 'rejoined');
  const identity = await aliceIdentified;
  assert.equal(identity.resumed, false);
  assert.notEqual(identity.peerId, oldAliceId, 'a fresh session has a fresh peer id');
  assert.deepEqual(
    aliceStates.map((s) => s.state),
    ['reconnecting', 'connected'],
  );
  assert.equal(alice.roomId, 'lobby');

  // Both are back in the room under their new ids and can signal each other.
  const signal = nextEvent(bob, 'signal');
  alice.sendOffer(bob.peerId as string, { type: 'offer', sdp: 'v=0 after' });
  const received = await signal;
  assert.equal(received.fromPeerId, alice.peerId);
});

test('a restarted server on the same port is found again after backoff; close() stops for good', async (t) => {
  const first = await startServer(t);
  const alice = await identified(t, first.wsUrl, 'alice', 'room');
  const back = nextEvent(alice, 'reconnected');
  await first.server.close();
  // Attempts that hit the closed port fail; the client keeps backing off until the new server listens.
  const second = await startServer(t, { port: first.port });
  const { outcome, attempts } = await back;
  assert.equal(outcome, 'rejoined');
  assert.ok(attempts >= 1);
  assert.equal(alice.state, 'connected');

  alice.close();
  assert.equal(alice.state, 'closed');
  // A client closed with a close frame ends its session at once: the username is free again.
  const again = await identified(t, second.wsUrl, 'alice', 'room');
  assert.equal(again.state, 'connected');
});

test('a reconnect policy that gives up ends in closed with RECONNECT_FAILED', async (t) => {
  const running = await startServer(t);
  const alice = newClient(t, running.wsUrl, {
    reconnect: new ExponentialBackoffPolicy({ initialDelayMs: 10, maxDelayMs: 20, maxAttempts: 2 }),
  });
  await alice.connect();
  await alice.identify('alice');
  const failed = nextEvent(alice, 'error');
  const closed = nextEvent(alice, 'state', (s) => s.state === 'closed');
  await running.server.close();
  assert.equal((await failed).code, 'RECONNECT_FAILED');
  await closed;
  assert.throws(
    () => alice.sendOffer('x', { type: 'offer', sdp: '' }),
    (err: SignalroomError) => err.code === 'NOT_CONNECTED',
  );
});

test('a connection dropped without a close frame is resumed: same peer id, the room sees nothing', async (t) => {
  const { wsUrl } = await startServer(t);
  const { TrackedSocket, sockets } = trackedSockets();
  const alice = newClient(t, wsUrl, { WebSocket: TrackedSocket });
  await alice.connect();
  const { peerId } = await alice.identify('alice');
  await alice.join('calm');
  const bob = await identified(t, wsUrl, 'bob', 'calm');
  const bobSaw = record(bob, 'peer-left');
  const back = nextEvent(alice, 'reconnected');

  sockets.at(-1)?.terminate(); // the TCP connection ends with no close frame, as in a network blip
  assert.equal((await back).outcome, 'resumed');
  assert.equal(alice.peerId, peerId);
  assert.equal(alice.roomId, 'calm');

  const signal = nextEvent(alice, 'signal');
  bob.sendOffer(peerId, { type: 'offer', sdp: 'v=0 resumed' });
  assert.equal((await signal).fromPeerId, bob.peerId);
  assert.deepEqual(bobSaw, [], 'the room was not told about the drop');
});

test('close() while a connection is opening settles connect() instead of leaving it hanging', async (t) => {
  const { wsUrl } = await startServer(t);
  const client = newClient(t, wsUrl);
  const connecting = client.connect();
  client.close();
  await assert.rejects(connecting, (err: SignalroomError) => err.code === 'CONNECTION_FAILED');
  assert.equal(client.state, 'closed');
});

test('a signal sent while the socket is closing (its close event not yet delivered) is held and arrives once after the resume', async (t) => {
  const running = await startServer(t);
  const proxy = await startTcpProxy(t, running.port);
  const { TrackedSocket, sockets } = trackedSockets();
  const alice = newClient(t, running.wsUrl.replace(`:${running.port}/`, `:${proxy.port}/`), {
    WebSocket: TrackedSocket,
  });
  await alice.connect();
  await alice.identify('alice');
  await alice.join('edge');
  const bob = await identified(t, running.wsUrl, 'bob', 'edge');
  const bobGot = record(bob, 'signal');
  const back = nextEvent(alice, 'reconnected');

  // A FIN from the network: ws marks the socket CLOSING at once and reports close a turn later.
  assert.equal(proxy.finAll(), 1);
  const socket = sockets.at(-1) as WebSocket;
  const deadline = Date.now() + 5000;
  while (socket.readyState === WebSocket.OPEN && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(socket.readyState, WebSocket.CLOSING, 'caught the socket between its FIN and its close event');
  assert.equal(alice.state, 'connected', 'the client has not seen the close yet');
  const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  alice.sendCandidate(bob.peerId as string, candidate); // threw NOT_CONNECTED before

  assert.equal((await back).outcome, 'resumed');
  // One socket, in order: once the offer sent after the resume is in, so is anything before it.
  const arrived = nextEvent(bob, 'signal', (s) => s.type === 'SDP_OFFER');
  alice.sendOffer(bob.peerId as string, { type: 'offer', sdp: 'v=0 marker' });
  await arrived;
  assert.deepEqual(
    bobGot.map((s) => s.type),
    ['ICE_CANDIDATE', 'SDP_OFFER'],
    'the held candidate arrived once, before what was sent after the resume',
  );
});

test('signals the server refuses for its rate limit are held and sent again in order: none lost, no error', async (t) => {
  // A small signal budget (20 at once, then 5 a second, whatever the room), so a burst is refused.
  const { wsUrl } = await startServer(t, signalBudget(20, 5));
  const alice = await identified(t, wsUrl, 'alice', 'throttle');
  const bob = await identified(t, wsUrl, 'bob', 'throttle');
  const errors = record(alice, 'error');
  const throttled = record(alice, 'throttled');
  const { got, settled } = collectNumbered(bob, 60, 15_000);
  // Written in one go: the server refuses those past the budget before alice hears of it.
  sendNumbered(alice, bob, 0, 40);
  await nextEvent(alice, 'throttled');
  // Sent while refused ones wait: they go after them.
  sendNumbered(alice, bob, 40, 60);
  await settled;
  assert.deepEqual(
    got,
    Array.from({ length: 60 }, (_, i) => i),
  );
  assert.deepEqual(errors, []);
  assert.ok(throttled.length > 0);
  assert.equal(alice.state, 'connected');
});

test('a backlog of held signals far over the budget is paced as the refusal says: none lost, the connection never closed', async (t) => {
  // 10 signals at once, then 20 a second. Sent all at once after the retry time, 120 held signals
  // would be refused again past four buckets' worth, and the server closes such a sender (1008).
  const { wsUrl } = await startServer(t, signalBudget(10, 20));
  const alice = await identified(t, wsUrl, 'alice', 'backlog');
  const bob = await identified(t, wsUrl, 'bob', 'backlog');
  const errors = record(alice, 'error');
  const states = record(alice, 'state');
  const total = 140;
  const { got, settled } = collectNumbered(bob, total, 30_000);
  sendNumbered(alice, bob, 0, 20);
  await nextEvent(alice, 'throttled');
  sendNumbered(alice, bob, 20, total);
  await settled;
  assert.deepEqual(
    got,
    Array.from({ length: total }, (_, i) => i),
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(states, [], 'the connection stayed up throughout');
  assert.equal(alice.state, 'connected');
});

test('signals held for a refusal keep their retry time and pace across a resume: none lost, the resumed connection never closed', async (t) => {
  // The budget (10 at once, then 20 a second) and its hold follow the session into the resume, so
  // the held backlog written all at once on the new connection would be closed as a flood.
  const { wsUrl } = await startServer(t, signalBudget(10, 20));
  const { TrackedSocket, sockets } = trackedSockets();
  const alice = newClient(t, wsUrl, { WebSocket: TrackedSocket });
  await alice.connect();
  await alice.identify('alice');
  await alice.join('resumed-backlog');
  const bob = await identified(t, wsUrl, 'bob', 'resumed-backlog');
  const errors = record(alice, 'error');
  const total = 140;
  const { got, settled } = collectNumbered(bob, total, 30_000);
  sendNumbered(alice, bob, 0, 20);
  await nextEvent(alice, 'throttled');
  sendNumbered(alice, bob, 20, total);
  const back = nextEvent(alice, 'reconnected');
  sockets.at(-1)?.terminate(); // dropped while the backlog waits for its retry time
  assert.equal((await back).outcome, 'resumed');
  const states = record(alice, 'state');
  await settled;
  assert.deepEqual(
    got,
    Array.from({ length: total }, (_, i) => i),
  );
  assert.deepEqual(errors, []);
  assert.deepEqual(states, [], 'the resumed connection stayed up');
  assert.equal(alice.state, 'connected');
});
