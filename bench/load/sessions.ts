/**
 * The join storm and churn drivers: many peers joining one room at once, and whole short
 * sessions (connect → identify → join → relay a few → leave) started at a steady rate.
 */
import { performance } from 'node:perf_hooks';
import { closePeers, openPeer, type Peer } from './client.js';
import type { ClientProtocol } from './protocols.js';
import { readTimestamp } from './payloads.js';

const NEW_PEER = '"type":"NEW_PEER_IN_ROOM"';
const PEER_ID = '"peer":{"id":"';

/** Outcome of a join storm as one generator saw it. */
export interface StormResult {
  /** ms from the first JOIN_ROOM sent until the last peer knew every other peer. */
  consistentMs: number;
  complete: number;
  incomplete: number;
  /** Peers that heard of a peer twice or of one not in the storm. */
  anomalies: number;
  /** ms until the last peer had its ROOM_MEMBERS (the server has handled every join). */
  lastMembersMs: number;
}

/** Send JOIN_ROOM on every peer at once and wait until each knows all the others. */
export async function joinStorm(
  peers: readonly Peer[],
  room: string,
  timeoutMs: number,
): Promise<StormResult> {
  const everyone = new Set(peers.map((p) => p.id));
  const want = peers.length - 1;
  let complete = 0;
  let anomalies = 0;
  let resolveAll: () => void = () => undefined;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const start = performance.now();
  let lastAt = start;
  let lastMembersAt = start;
  for (const p of peers) {
    const seen = new Set<string>();
    const note = (id: string) => {
      if (id === p.id || !everyone.has(id) || seen.has(id)) {
        anomalies++;
        return;
      }
      seen.add(id);
      if (seen.size === want) {
        complete++;
        lastAt = performance.now();
        if (complete === peers.length) resolveAll();
      }
    };
    p.onFrame = (frame) => {
      // NEW_PEER_IN_ROOM is most of the storm's traffic: read its id without parsing the frame,
      // so the generator (one process, one clock) keeps up with the server.
      if (frame.indexOf(NEW_PEER) >= 0) {
        const at = frame.indexOf(PEER_ID);
        if (at >= 0) {
          const from = at + PEER_ID.length;
          note(frame.toString('latin1', from, frame.indexOf('"', from)));
          return;
        }
      }
      const msg = JSON.parse(frame.toString()) as {
        type: string;
        members?: { id: string }[];
        peer?: { id: string };
      };
      if (msg.type === 'ROOM_MEMBERS') {
        lastMembersAt = performance.now();
        for (const m of msg.members ?? []) note(m.id);
      } else if (msg.type === 'NEW_PEER_IN_ROOM' && msg.peer) note(msg.peer.id);
    };
  }
  const joinFrame = JSON.stringify({ type: 'JOIN_ROOM', roomId: room });
  for (const p of peers) p.ws.send(joinFrame);
  await Promise.race([allDone, new Promise((r) => setTimeout(r, timeoutMs))]);
  for (const p of peers) p.onFrame = null;
  return {
    consistentMs: lastAt - start,
    complete,
    incomplete: peers.length - complete,
    anomalies,
    lastMembersMs: lastMembersAt - start,
  };
}

/** Outcome of a churn run in one generator. */
export interface ChurnResult {
  started: number;
  completed: number;
  failed: number;
  firstError: string | null;
  /** Median ms of one whole session (both peers, handshake to close). */
  sessionMedianMs: number;
}

/** One short session of a pair: both connect and join one room, each relays `messages`, both leave. */
async function session(protocol: ClientProtocol, port: number, key: string, messages: number): Promise<void> {
  const room = `churn-${key}`;
  const [a, b] = await Promise.all([
    openPeer(protocol, port, `${key}a`, room),
    openPeer(protocol, port, `${key}b`, room),
  ]);
  try {
    a.partner = b;
    b.partner = a;
    a.out = protocol.templates(a.id, b.id);
    b.out = protocol.templates(b.id, a.id);
    await new Promise<void>((resolve, reject) => {
      let got = 0;
      const timer = setTimeout(() => reject(new Error('churn relay timed out')), 10_000);
      const onFrame = (frame: Buffer) => {
        if (Number.isNaN(readTimestamp(frame))) return; // not a relayed frame
        if (++got === 2 * messages) {
          clearTimeout(timer);
          resolve();
        }
      };
      a.onFrame = onFrame;
      b.onFrame = onFrame;
      for (let i = 0; i < messages; i++) {
        for (const p of [a, b]) {
          const t = i === 0 ? p.out!.sdp : p.out!.candidate;
          p.ws.send(t.head + performance.now().toFixed(3) + t.tail);
        }
      }
    });
  } finally {
    await closePeers([a, b]);
  }
}

/** Start `pairsPerSec` sessions a second for `durationMs`, at most `maxInFlight` at once. */
export async function churn(
  protocol: ClientProtocol,
  port: number,
  prefix: string,
  pairsPerSec: number,
  durationMs: number,
  messages: number,
  maxInFlight: number,
): Promise<ChurnResult> {
  const result: ChurnResult = { started: 0, completed: 0, failed: 0, firstError: null, sessionMedianMs: 0 };
  const durations: number[] = [];
  const running = new Set<Promise<void>>();
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    const due = Math.floor(((performance.now() - start) * pairsPerSec) / 1000);
    while (result.started < due && running.size < maxInFlight) {
      const t0 = performance.now();
      const run: Promise<void> = session(protocol, port, `${prefix}${result.started++}`, messages)
        .then(
          () => {
            result.completed++;
            durations.push(performance.now() - t0);
          },
          (err: Error) => {
            result.failed++;
            result.firstError ??= err.message;
          },
        )
        .finally(() => running.delete(run));
      running.add(run);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(running);
  durations.sort((x, y) => x - y);
  result.sessionMedianMs = durations[Math.floor(durations.length / 2)] ?? 0;
  return result;
}
