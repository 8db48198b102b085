/**
 * What a frame dropped from a held peer's queue (its own bound, or the node's budget for held
 * peers) means: the sender of a relayed signal is told `QUEUE_OVERFLOW`, and a dropped room event
 * makes the peer get a fresh `ROOM_MEMBERS` when it resumes.
 */
import type { Backend } from '../backend/backend.js';
import { encodeError } from '../../protocol/encode.js';
import { isSignal, tellsMembership, type OutFrame } from '../../protocol/frame.js';
import type { HeldSession } from './held-sessions.js';

/** Act on `dropped`, a frame taken out of `held`'s queue unsent. */
export function reportDropped(held: HeldSession, dropped: OutFrame, backend: Backend): void {
  if (tellsMembership(dropped)) {
    held.lostEvents = true;
    return;
  }
  const roomId = held.record.roomId;
  if (!isSignal(dropped) || dropped.from === '' || roomId === null) return;
  const frame = encodeError(
    'QUEUE_OVERFLOW',
    `Peer '${held.record.peerId}' is reconnecting and no more can be queued for it; your oldest ${dropped.type} to it was dropped`,
    dropped.type,
  );
  backend.relay(roomId, dropped.from, frame);
}
