/**
 * The requests that wait for the server's answer: identify, join (also both at once) and leave.
 * Each one registers its waiter before writing, so the answer cannot arrive unclaimed.
 */
import type {
  ClientMessage,
  ClientMessageOf,
  PeerInfo,
  ServerMessage,
  ServerMessageOf,
} from '../protocol/messages.js';
import { SignalroomError } from './errors.js';
import type { PendingReplies } from './pending-replies.js';

/** Writes a frame on the client's socket (counted for resume like every frame after IDENTIFY). */
export type WriteMessage = (message: ClientMessage) => void;

/** Send IDENTIFY and wait for AUTH_SUCCESS; rejects with the AUTH_ERROR's code. */
export async function requestIdentify(
  replies: PendingReplies,
  write: WriteMessage,
  message: ClientMessageOf<'IDENTIFY'>,
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
  const reply = replies.wait(joinAnswer(roomId), 'JOIN_ROOM');
  write({ type: 'JOIN_ROOM', roomId });
  return membersOf(await reply);
}

/** The two answers of a pipelined IDENTIFY and JOIN_ROOM. */
export interface IdentifyAndJoin {
  /** Resolves on AUTH_SUCCESS; rejects with the AUTH_ERROR's code (the join is then dropped too). */
  identified: Promise<void>;
  /** Resolves with the room's members; rejects with the join's ERROR, or as `identified` does. */
  joined: Promise<PeerInfo[]>;
}

/**
 * Send IDENTIFY and JOIN_ROOM at once, without waiting between them: the server holds the join
 * until the identify is done (docs/protocol.md, Pipelining), so the room is joined in one round trip.
 */
export function requestIdentifyAndJoin(
  replies: PendingReplies,
  write: WriteMessage,
  message: ClientMessageOf<'IDENTIFY'>,
  roomId: string,
): IdentifyAndJoin {
  const authAnswer = replies.wait((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'IDENTIFY');
  const matchesJoin = joinAnswer(roomId);
  const joinAnswered = replies.wait(matchesJoin, 'JOIN_ROOM');
  write(message);
  write({ type: 'JOIN_ROOM', roomId });
  const identified = authAnswer.then((answer) => {
    if (answer.type === 'AUTH_SUCCESS') return;
    const refusal = SignalroomError.fromServer(answer as ServerMessageOf<'AUTH_ERROR'>);
    // The server dropped the join untried with the refused IDENTIFY: nothing will answer it.
    replies.cancel(matchesJoin, refusal);
    throw refusal;
  });
  const joined = joinAnswered.then(membersOf);
  // A caller stopped by `identified` never awaits `joined`: its rejection is not unhandled.
  joined.catch(() => undefined);
  return { identified, joined };
}

/** What answers a JOIN_ROOM of `roomId`: its ROOM_MEMBERS, or an ERROR refusing a join. */
function joinAnswer(roomId: string): (m: ServerMessage) => boolean {
  return (m) =>
    (m.type === 'ROOM_MEMBERS' && m.roomId === roomId) || (m.type === 'ERROR' && m.ref === 'JOIN_ROOM');
}

function membersOf(answer: ServerMessage): PeerInfo[] {
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
