/**
 * The Backend contract: what the core relies on, run against every implementation
 * (memory.test.ts, redis.test.ts). Each case uses one node; redis.test.ts adds the cross-node cases.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Backend } from '../../src/backend/backend.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { Inbox } from './inbox.js';
import { frameFromText } from '../../protocol/frame.js';

/** A started backend and what it delivered; closed when the test ends. */
export interface StartedBackend {
  backend: Backend;
  inbox: Inbox;
}

/** Makes a fresh, started backend (isolated from other tests) for one test. */
export type BackendFactory = (t: TestContext) => Promise<StartedBackend>;

/** A peer with a fresh id. */
export function newPeer(username: string): PeerInfo {
  return { id: randomUUID(), username };
}

/** Join and announce as the core does; returns the members the joiner was told about. */
export async function joinAndAnnounce(backend: Backend, roomId: string, peer: PeerInfo, max = 50) {
  const outcome = await backend.joinRoom(roomId, peer, max);
  assert.ok(outcome.ok, `join of ${peer.username} refused`);
  backend.announceJoin(roomId, peer, outcome.members);
  return outcome.members;
}

/** Register the contract cases for one implementation. */
export function backendContract(name: string, make: BackendFactory): void {
  test(`${name}: ready once started`, async (t) => {
    const { backend } = await make(t);
    assert.equal(backend.isReady(), true);
    assert.equal(backend.health().ready, true);
    assert.equal(typeof backend.nodeId, 'string');
  });

  test(`${name}: a username key is held by one peer until that peer releases it`, async (t) => {
    const { backend } = await make(t);
    const a = newPeer('Alice');
    const b = newPeer('alice');
    assert.equal(await backend.claimUsername('alice', a), true);
    assert.equal(await backend.claimUsername('alice', b), false);
    await backend.releaseUsername('alice', b.id); // not the holder: nothing happens
    assert.equal(await backend.claimUsername('alice', b), false);
    await backend.releaseUsername('alice', a.id);
    assert.equal(await backend.claimUsername('alice', b), true);
  });

  test(`${name}: concurrent claims of one key: exactly one wins`, async (t) => {
    const { backend } = await make(t);
    const peers = Array.from({ length: 40 }, (_, i) => newPeer(`Bob${i}`));
    const results = await Promise.all(peers.map((p) => backend.claimUsername('bob', p)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test(`${name}: join returns the members before the joiner, never itself`, async (t) => {
    const { backend } = await make(t);
    const [a, b, c] = [newPeer('a'), newPeer('b'), newPeer('c')];
    assert.deepEqual(await joinAndAnnounce(backend, 'r', a), []);
    assert.deepEqual(await joinAndAnnounce(backend, 'r', b), [a]);
    const members = await joinAndAnnounce(backend, 'r', c);
    assert.deepEqual(members.map((m) => m.username).sort(), ['a', 'b']);
    const all = await backend.roomMembers('r');
    assert.deepEqual(all.map((m) => m.username).sort(), ['a', 'b', 'c']);
    assert.deepEqual(await backend.roomMembers('no-such-room'), []);
  });

  test(`${name}: capacity: the join beyond maxPeers is refused as full`, async (t) => {
    const { backend } = await make(t);
    await joinAndAnnounce(backend, 'small', newPeer('a'), 2);
    await joinAndAnnounce(backend, 'small', newPeer('b'), 2);
    assert.deepEqual(await backend.joinRoom('small', newPeer('c'), 2), { ok: false, reason: 'full' });
    assert.equal((await backend.roomMembers('small')).length, 2);
  });

  test(`${name}: concurrent joins never exceed capacity and lose no member`, async (t) => {
    const { backend } = await make(t);
    const peers = Array.from({ length: 30 }, (_, i) => newPeer(`p${i}`));
    const outcomes = await Promise.all(peers.map((p) => backend.joinRoom('race', p, 10)));
    const admitted = peers.filter((_, i) => outcomes[i]?.ok);
    assert.equal(admitted.length, 10);
    const members = await backend.roomMembers('race');
    assert.deepEqual(members.map((m) => m.id).sort(), admitted.map((p) => p.id).sort());
  });

  test(`${name}: announceJoin tells exactly the recipients the join returned`, async (t) => {
    const { backend, inbox } = await make(t);
    const [a, b] = [newPeer('a'), newPeer('b')];
    await joinAndAnnounce(backend, 'r', a);
    const outcome = await backend.joinRoom('r', b, 50);
    assert.ok(outcome.ok);
    backend.announceJoin('r', b, outcome.members);
    assert.deepEqual(inbox.of(a.id), [{ type: 'NEW_PEER_IN_ROOM', roomId: 'r', peer: b }]);
    assert.deepEqual(inbox.of(b.id), []);
  });

  test(`${name}: leaveRoom tells those left once; the last leave removes the room`, async (t) => {
    const { backend, inbox } = await make(t);
    const [a, b, c] = [newPeer('a'), newPeer('b'), newPeer('c')];
    for (const p of [a, b, c]) await joinAndAnnounce(backend, 'r', p);
    await backend.leaveRoom('r', c);
    await backend.leaveRoom('r', c); // not a member any more: nothing happens
    const left = { type: 'PEER_LEFT_ROOM', roomId: 'r', peer: c };
    assert.deepEqual(inbox.of(a.id).slice(-1), [left]);
    assert.deepEqual(inbox.of(b.id).slice(-1), [left]);
    assert.equal(inbox.of(a.id).filter((m) => m.type === 'PEER_LEFT_ROOM').length, 1);
    assert.deepEqual(
      inbox.of(c.id).filter((m) => m.type === 'PEER_LEFT_ROOM'),
      [],
    );
    await backend.leaveRoom('r', a);
    await backend.leaveRoom('r', b);
    assert.deepEqual(await backend.roomMembers('r'), []);
    // A room re-created after it emptied starts empty.
    assert.deepEqual(await joinAndAnnounce(backend, 'r', newPeer('d')), []);
  });

  test(`${name}: a room switch joins the new room before leaving the old: the old leave leaves the new membership alone`, async (t) => {
    // The core switches rooms in two steps, never one touching both rooms (Redis Cluster keeps
    // rooms apart): join the new room, and only once that succeeded leave the old one.
    const { backend, inbox } = await make(t);
    const [mover, old1, new1] = [newPeer('mover'), newPeer('old1'), newPeer('new1')];
    await joinAndAnnounce(backend, 'old', old1);
    await joinAndAnnounce(backend, 'old', mover);
    await joinAndAnnounce(backend, 'new', new1, 2);
    // A refused join changes nothing: the mover is still in its old room.
    await joinAndAnnounce(backend, 'new', newPeer('filler'), 2);
    assert.deepEqual(await backend.joinRoom('new', mover, 2), { ok: false, reason: 'full' });
    assert.deepEqual((await backend.roomMembers('old')).map((m) => m.id).sort(), [old1.id, mover.id].sort());
    assert.equal(
      backend.relay('old', old1.id, frameFromText(JSON.stringify({ type: 'ICE_CANDIDATE', n: 1 }))),
      true,
    );
    // A switch that succeeds: join 'other', then leave 'old' (its members are told then).
    await joinAndAnnounce(backend, 'other', mover);
    await backend.leaveRoom('old', mover);
    assert.deepEqual(
      (await backend.roomMembers('old')).map((m) => m.id),
      [old1.id],
    );
    assert.equal(inbox.of(old1.id).filter((m) => m.type === 'PEER_LEFT_ROOM').length, 1);
    assert.deepEqual(
      (await backend.roomMembers('other')).map((m) => m.id),
      [mover.id],
    );
    assert.equal(backend.relay('old', mover.id, frameFromText('{}')), false);
    const before = inbox.of(mover.id).length;
    assert.equal(
      backend.relay('other', mover.id, frameFromText(JSON.stringify({ type: 'ICE_CANDIDATE', n: 2 }))),
      true,
    );
    await inbox.waitCount(mover.id, before + 1);
    await backend.leaveRoom('other', mover);
    assert.deepEqual(await backend.roomMembers('other'), []);
  });

  test(`${name}: relay reaches a member of the room, in order; false for anyone else`, async (t) => {
    const { backend, inbox } = await make(t);
    const [a, b, outsider] = [newPeer('a'), newPeer('b'), newPeer('x')];
    await joinAndAnnounce(backend, 'r', a);
    await joinAndAnnounce(backend, 'r', b);
    await joinAndAnnounce(backend, 'other', outsider);
    const before = inbox.of(b.id).length;
    for (let i = 0; i < 200; i++) {
      assert.equal(
        backend.relay('r', b.id, frameFromText(JSON.stringify({ type: 'ICE_CANDIDATE', n: i }))),
        true,
      );
    }
    const got = (await inbox.waitCount(b.id, before + 200)).slice(before);
    assert.deepEqual(
      got.map((m) => m.n),
      Array.from({ length: 200 }, (_, i) => i),
    );
    assert.equal(backend.relay('r', outsider.id, frameFromText('{}')), false);
    assert.equal(backend.relay('r', randomUUID(), frameFromText('{}')), false);
    assert.equal(backend.relay('other', b.id, frameFromText('{}')), false);
    await backend.leaveRoom('r', b);
    assert.equal(backend.relay('r', b.id, frameFromText('{}')), false);
  });

  test(`${name}: listRooms pages through every room with its size; roomCount agrees`, async (t) => {
    const { backend } = await make(t);
    const sizes: Record<string, number> = { 'a-room': 1, 'b-room': 3, 'c-room': 2, 'd-room': 1, 'e*room': 1 };
    for (const [room, n] of Object.entries(sizes)) {
      for (let i = 0; i < n; i++) await joinAndAnnounce(backend, room, newPeer(`${room}${i}`));
    }
    assert.equal(await backend.roomCount(), 5);
    const seen = new Map<string, number>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<Backend['listRooms']>> = await backend.listRooms(cursor, 2);
      for (const room of page.rooms) seen.set(room.id, room.members);
      cursor = page.next;
      pages++;
    } while (cursor !== null && pages < 100);
    assert.equal(cursor, null, 'the walk ends');
    assert.deepEqual(Object.fromEntries([...seen].sort()), sizes);
  });

  test(`${name}: kick asks the node holding the member; false for a non-member`, async (t) => {
    const { backend, inbox } = await make(t);
    const [a, b] = [newPeer('a'), newPeer('b')];
    await joinAndAnnounce(backend, 'r', a);
    await joinAndAnnounce(backend, 'other', b);
    assert.equal(await backend.kick('r', a.id), true);
    assert.deepEqual(inbox.kicks, [`r/${a.id}`]);
    assert.equal(await backend.kick('r', b.id), false);
    assert.equal(await backend.kick('nowhere', a.id), false);
    assert.deepEqual(inbox.kicks, [`r/${a.id}`]);
  });

  test(`${name}: listRooms pages in id order, exactly limit at a time; empty rooms leave the listing`, async (t) => {
    const { backend } = await make(t);
    const ids = Array.from({ length: 23 }, (_, i) => `room-${String(i).padStart(2, '0')}`);
    const peers = ids.map((id) => newPeer(id));
    for (const [i, id] of ids.entries()) await joinAndAnnounce(backend, id, peers[i] as PeerInfo);
    const walked: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: Awaited<ReturnType<Backend['listRooms']>> = await backend.listRooms(cursor, 4);
      assert.equal(page.rooms.length, page.next === null ? 3 : 4, 'full pages until the last');
      walked.push(...page.rooms.map((r) => r.id));
      cursor = page.next;
      if (cursor === null) break;
    }
    assert.deepEqual(walked, ids);
    for (const [i, id] of ids.entries()) await backend.leaveRoom(id, peers[i] as PeerInfo);
    assert.equal(await backend.roomCount(), 0);
    assert.deepEqual(await backend.listRooms(null, 10), { rooms: [], next: null });
  });

  test(`${name}: a bearer key names its holder until dropped by that holder`, async (t) => {
    const { backend } = await make(t);
    const holder = { peerId: randomUUID(), username: 'alice', authExpiresAt: 0 };
    const other = { peerId: randomUUID(), username: 'bob', authExpiresAt: 1_900_000_000_000 };
    assert.equal(await backend.findBearer('key-a'), null);
    backend.addBearer('key-a', holder);
    backend.addBearer('key-b', other);
    assert.deepEqual(await backend.findBearer('key-a'), holder);
    assert.deepEqual(await backend.findBearer('key-b'), other);
    backend.dropBearer('key-a', other);
    assert.deepEqual(await backend.findBearer('key-a'), holder, 'only its holder drops a key');
    backend.dropBearer('key-a', holder);
    assert.equal(await backend.findBearer('key-a'), null);
    assert.deepEqual(await backend.findBearer('key-b'), other);
  });

  test(`${name}: holdLive asks no other node for a session of this node or an unknown token`, async (t) => {
    const { backend } = await make(t);
    // A live session of this node is the core's own to take over: the backend never asks itself.
    backend.addBearer('key-live', { peerId: randomUUID(), username: 'alice', authExpiresAt: 0 });
    assert.equal(await backend.holdLive('key-live'), false);
    assert.equal(await backend.holdLive('key-unknown'), false);
  });
}
