/**
 * What a frame dropped from a held peer's queue (its own bound, or the node's budget for held
 * peers) means: the sender of a relayed signal is told `QUEUE_OVERFLOW`, and a dropped room event
 * makes the peer get a fresh `ROOM_MEMBERS` when it resumes.
 */
import type { Backend } from '../backend/backend.js';
import { encodeError } from '../../protocol/encode.js';
import type { HeldSession } from './held-sessions.js';

const EVENT_TYPES = new Set(['NEW_PEER_IN_ROOM', 'PEER_LEFT_ROOM', 'ROOM_MEMBERS']);

/** Act on `dropped`, a frame taken out of `held`'s queue unsent. */
export function reportDropped(held: HeldSession, dropped: string, backend: Backend): void {
  let parsed: { type?: string; fromPeerId?: string };
  try {
    parsed = JSON.parse(dropped) as { type?: string; fromPeerId?: string };
  } catch {
    return;
  }
  const type = parsed.type ?? 'message';
  if (EVENT_TYPES.has(type)) {
    held.lostEvents = true;
    return;
  }
  const roomId = held.record.roomId;
  if (typeof parsed.fromPeerId !== 'string' || roomId === null) return;
  const frame = encodeError(
    'QUEUE_OVERFLOW',
    `Peer '${held.record.peerId}' is reconnecting and no more can be queued for it; your oldest ${type} to it was dropped`,
    type,
  );
  backend.relay(roomId, parsed.fromPeerId, frame);
}
