/**
 * The requests that wait for the server's answer: identify, join and leave. Each one registers
 * its waiter before writing, so the answer cannot arrive unclaimed.
 */
import type { ClientMessage, PeerInfo, ServerMessageOf } from '../protocol/messages.js';
import { SignalroomError } from './errors.js';
import type { PendingReplies } from './pending-replies.js';

/** Writes a frame on the client's socket (counted for resume like every frame after IDENTIFY). */
export type WriteMessage = (message: ClientMessage) => void;

/** Send IDENTIFY and wait for AUTH_SUCCESS; rejects with the AUTH_ERROR's code. */
export async function requestIdentify(
  replies: PendingReplies,
  write: WriteMessage,
  message: Extract<ClientMessage, { type: 'IDENTIFY' }>,
): Promise<void> {
  const reply = replies.wait((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'IDENTIFY');
  write(message);
  const answer = await reply;
  if (answer.type !== 'AUTH_SUCCESS')
    throw SignalroomError.fromServer(answer as ServerMessageOf<'AUTH_ERROR'>);
}

/** Send JOIN_ROOM and wait for the room's members; rejects with the server's ERROR. */
export async function requestJoin(
  replies: PendingReplies,
  write: WriteMessage,
  roomId: string,
): Promise<PeerInfo[]> {
  const reply = replies.wait(
    (m) =>
      (m.type === 'ROOM_MEMBERS' && m.roomId === roomId) || (m.type === 'ERROR' && m.ref === 'JOIN_ROOM'),
    'JOIN_ROOM',
  );
  write({ type: 'JOIN_ROOM', roomId });
  const answer = await reply;
  if (answer.type === 'ERROR') throw SignalroomError.fromServer(answer);
  return (answer as ServerMessageOf<'ROOM_MEMBERS'>).members;
}

/** Send LEAVE_ROOM and wait until the server has done it; rejects with the server's ERROR. */
export async function requestLeave(
  replies: PendingReplies,
  write: WriteMessage,
  pingId: string,
): Promise<void> {
  const reply = replies.wait(
    (m) => (m.type === 'PONG' && m.id === pingId) || (m.type === 'ERROR' && m.ref === 'LEAVE_ROOM'),
    'LEAVE_ROOM',
  );
  write({ type: 'LEAVE_ROOM' });
  // The server does not acknowledge a leave; a PING after it is answered once the leave is done.
  write({ type: 'PING', id: pingId });
  const answer = await reply;
  if (answer.type === 'ERROR') throw SignalroomError.fromServer(answer);
}
