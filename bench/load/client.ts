/** One simulated peer of the load generator: its socket, its id and the handler of its frames. */
import { WebSocket } from 'ws';
import type { ClientProtocol, DirectionTemplates } from './protocols.js';

/** A connected peer. `onFrame` is swapped by the phase that drives it. */
export interface Peer {
  ws: WebSocket;
  key: string;
  room: string;
  /** The id other peers address it by (server-assigned in the signalroom protocol). */
  id: string;
  partner: Peer | null;
  out: DirectionTemplates | null;
  onFrame: ((frame: Buffer) => void) | null;
}

/** Fail a step that hangs instead of waiting forever. */
const STEP_TIMEOUT_MS = 20_000;

/** Open a socket and make it a ready peer; with `join` false it stops after identifying. */
export function openPeer(
  protocol: ClientProtocol,
  port: number,
  key: string,
  room: string,
  join = true,
): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(protocol.url(port, key, room), { perMessageDeflate: false });
    const peer: Peer = { ws, key, room, id: key, partner: null, out: null, onFrame: null };
    const timer = setTimeout(() => fail(new Error(`peer ${key}: handshake timed out`)), STEP_TIMEOUT_MS);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      peer.onFrame = null;
      resolve(peer);
    };
    ws.on('message', (data: Buffer) => peer.onFrame?.(data));
    ws.on('error', (err) => fail(err));
    ws.on('close', (code) => fail(new Error(`peer ${key}: closed during handshake (${code})`)));
    ws.once('open', () => {
      if (protocol.identifies) {
        peer.onFrame = (frame) => {
          const msg = JSON.parse(frame.toString()) as { type: string; peerId?: string; code?: string };
          if (msg.type === 'AUTH_SUCCESS') {
            peer.id = msg.peerId as string;
            if (!join) done();
          } else if (msg.type === 'ROOM_MEMBERS') {
            done();
          } else if (msg.type === 'AUTH_ERROR' || msg.type === 'ERROR') {
            fail(new Error(`peer ${key}: ${msg.type} ${msg.code}`));
          }
        };
        // The join goes right behind the IDENTIFY, as the SDK's identify(name, { room }) sends it
        // (docs/protocol.md, Pipelining): ready after one round trip, as a PeerJS client is after OPEN.
        ws.send(JSON.stringify({ type: 'IDENTIFY', username: key }));
        if (join) ws.send(JSON.stringify({ type: 'JOIN_ROOM', roomId: room }));
      } else if (protocol.waitsForOpen) {
        peer.onFrame = (frame) => {
          const msg = JSON.parse(frame.toString()) as { type: string };
          if (msg.type === 'OPEN') done();
          else fail(new Error(`peer ${key}: ${msg.type}`));
        };
      } else {
        done();
      }
    });
  });
}

/** Run `make` for every index with at most `limit` at once; failures are counted, not thrown. */
export async function inBatches<T>(
  count: number,
  limit: number,
  make: (i: number) => Promise<T>,
): Promise<{ results: T[]; failed: number; firstError: string | null }> {
  const results: T[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        results.push(await make(i));
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return { results, failed, firstError };
}

/** Close every socket and wait (bounded) until they are gone. */
export async function closePeers(peers: readonly Peer[]): Promise<void> {
  await Promise.all(
    peers.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            p.ws.terminate();
            resolve();
          }, 3000);
          p.ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          p.ws.removeAllListeners('error');
          p.ws.on('error', () => undefined);
          p.ws.close();
        }),
    ),
  );
}
