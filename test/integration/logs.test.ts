// Logs: pino JSON lines with structured fields at info for the life of a session; no SDP at info.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { pino, type Level } from 'pino';
import { startServer } from '../helpers/test-server.js';
import { TestClient, identifiedClient, peersInRoom } from '../helpers/test-client.js';

type Line = { level: number; msg: string; [key: string]: unknown };

/** A pino destination in memory; `waitFor` resolves when a matching line has been written. */
class MemoryLog extends EventEmitter {
  readonly lines: Line[] = [];
  readonly raw: string[] = [];
  write(chunk: string): void {
    this.raw.push(chunk);
    this.lines.push(JSON.parse(chunk) as Line);
    this.emit('line');
  }
  async waitFor(predicate: (l: Line) => boolean, what: string): Promise<Line> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no log line ${what}; got ${this.raw.join('')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.once('line', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const INFO = 30;
const SECRET_SDP = 'v=0\r\no=- SECRET-SDP-BODY-4711 2 IN IP4 127.0.0.1\r\n';

async function scenario(t: Parameters<typeof startServer>[0], level: Level) {
  const log = new MemoryLog();
  const { wsUrl } = await startServer(t, {}, { logger: pino({ level }, log) });
  const [alice, bob] = await peersInRoom(t, wsUrl, 'logged-room', 2);
  alice!.send({ type: 'SDP_OFFER', toPeerId: bob!.peerId, sdp: { type: 'offer', sdp: SECRET_SDP } });
  await bob!.next('SDP_OFFER');
  alice!.send({
    type: 'ICE_CANDIDATE',
    toPeerId: bob!.peerId,
    iceCandidate: { candidate: 'candidate:SECRET-SDP-BODY-4711 1 udp 1 10.0.0.1 9 typ host' },
  });
  await bob!.next('ICE_CANDIDATE');
  bob!.send({ type: 'LEAVE_ROOM' });
  await alice!.next('PEER_LEFT_ROOM');
  await bob!.close(1000);
  await log.waitFor((l) => l.msg === 'disconnect' && l.peerId === bob!.peerId, 'disconnect of bob');
  return { log, alice: alice!, bob: bob! };
}

test('connect, identify, join, leave and disconnect are logged at info with peerId, roomId and code', async (t) => {
  const { log, bob } = await scenario(t, 'info');
  const info = log.lines.filter((l) => l.level === INFO);
  const find = (msg: string, extra: (l: Line) => boolean = () => true) =>
    info.find((l) => l.msg === msg && extra(l));

  assert.ok(find('connect'), 'connect');
  const identify = find('identify', (l) => l.peerId === bob.peerId);
  assert.ok(identify, 'identify with peerId');
  assert.equal(identify.username, bob.username);
  assert.ok(
    find('join', (l) => l.peerId === bob.peerId && l.roomId === 'logged-room'),
    'join with peerId, roomId',
  );
  assert.ok(
    find('leave', (l) => l.peerId === bob.peerId && l.roomId === 'logged-room'),
    'leave with peerId, roomId',
  );
  const disconnect = find('disconnect', (l) => l.peerId === bob.peerId);
  assert.ok(disconnect, 'disconnect with peerId');
  assert.equal(disconnect.code, 1000);
  for (const line of info) assert.equal(typeof line.time, 'number');
});

test('no SDP or candidate text appears in the logs at info level', async (t) => {
  const { log } = await scenario(t, 'info');
  assert.ok(log.raw.length > 5);
  for (const raw of log.raw) assert.ok(!raw.includes('SECRET-SDP-BODY'), raw);
});

test('relays are logged at debug, still without their bodies', async (t) => {
  const { log, alice, bob } = await scenario(t, 'debug');
  const relay = log.lines.find(
    (l) => l.msg === 'relay' && l.peerId === alice.peerId && l.type === 'SDP_OFFER',
  );
  assert.ok(relay, 'a debug line per relay');
  assert.ok(relay.level < INFO);
  assert.equal(relay.to, bob.peerId);
  for (const raw of log.raw) assert.ok(!raw.includes('SECRET-SDP-BODY'), raw);
});

test('a refused identification is logged with its code, and client mistakes log no error or stack', async (t) => {
  const log = new MemoryLog();
  const { wsUrl } = await startServer(t, {}, { logger: pino({ level: 'debug' }, log) });
  const client = await TestClient.connect(t, wsUrl);
  for (const frame of ['{bad', '[]', '{"type":"NOPE"}', '{"type":"JOIN_ROOM","roomId":1}'])
    client.send(frame);
  client.ws.send(Buffer.from([1, 2, 3]));
  client.send({ type: 'IDENTIFY', username: '' });
  await client.closed;
  const refused = await log.waitFor((l) => l.msg === 'identify refused', 'identify refused');
  assert.equal(refused.code, 'INVALID_USERNAME');
  assert.equal(refused.level, INFO);
  await log.waitFor((l) => l.msg === 'disconnect', 'disconnect');
  assert.ok(!log.lines.some((l) => l.level >= 50), 'no error-level line');
  assert.ok(!log.raw.some((r) => r.includes('"stack"')), 'no stack trace');
});

/** The keys of a JSON object's top level, in order, duplicates included (JSON.parse keeps only the last). */
function topLevelKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, end + 1)) as string);
      expectKey = false;
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}

test('no log line carries a key twice (disconnect once had peerId twice)', async (t) => {
  const { log } = await scenario(t, 'debug');
  const disconnect = log.raw.find((r) => r.includes('"msg":"disconnect"') && r.includes('"peerId"'));
  assert.ok(disconnect, 'a disconnect line with the peer id');
  for (const raw of log.raw) {
    const keys = topLevelKeys(raw);
    assert.equal(new Set(keys).size, keys.length, `duplicate key in ${raw}`);
  }
});

test('refusals name the username or the room refused', async (t) => {
  const log = new MemoryLog();
  const { wsUrl } = await startServer(t, { maxPeersPerRoom: 1 }, { logger: pino({ level: 'info' }, log) });
  await identifiedClient(t, wsUrl, 'alice').then((a) => a.join('full-room'));
  const taken = await TestClient.connect(t, wsUrl);
  taken.send({ type: 'IDENTIFY', username: 'alice' });
  const refused = await log.waitFor((l) => l.msg === 'identify refused', 'identify refused');
  assert.equal(refused.code, 'USERNAME_TAKEN');
  assert.equal(refused.username, 'alice');

  const bob = await identifiedClient(t, wsUrl, 'bob');
  bob.send({ type: 'JOIN_ROOM', roomId: 'full-room' });
  await bob.next('ERROR');
  const full = await log.waitFor((l) => l.msg === 'refused' && l.code === 'ROOM_FULL', 'ROOM_FULL refusal');
  assert.equal(full.roomId, 'full-room');
  assert.equal(full.peerId, bob.peerId);
  assert.equal(full.level, INFO);
});
