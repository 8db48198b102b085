/** The room steps of a session: JOIN_ROOM, LEAVE_ROOM, and leaving its room on the way out. */
import type { Backend } from '../backend/backend.js';
import { encodeRoomMembers } from '../../protocol/encode.js';
import { checkRoomId } from '../../protocol/names.js';
import { setRoomPeers } from './relay-budget.js';
import type { Session } from './session.js';
import { SignalError } from './signal-error.js';

/**
 * JOIN_ROOM: join `roomId`, then leave the current room if any, tell the joiner its members, then
 * them. A switch is atomic for the peer: the new room is joined first, and the old one left (and
 * its members told) only once that succeeded, so a join refused for any reason (`ROOM_FULL`,
 * `FORBIDDEN_ROOM`, `INVALID_ROOM`, `UNAVAILABLE`) leaves the peer in the room it was in. The two
 * rooms are changed by two separate steps, never one touching both (Redis Cluster keeps rooms
 * apart).
 */
export async function joinRoom(
  session: Session,
  roomId: string,
  backend: Backend,
  maxPeersPerRoom: number,
): Promise<void> {
  const check = checkRoomId(roomId);
  if (!check.ok) throw new SignalError('INVALID_ROOM', check.reason);
  if (session.allowedRooms && !session.allowedRooms.includes(roomId)) {
    throw new SignalError('FORBIDDEN_ROOM', `You may not join room '${roomId}'`);
  }
  if (session.roomId === roomId) {
    // Joining the room you are in is answered with its members again, and announced to no one.
    const members = await backend.roomMembers(roomId);
    const others = members.filter((m) => m.id !== session.peerId);
    setRoomPeers(session, others.length);
    session.send(encodeRoomMembers(roomId, others));
    return;
  }
  if (session.isClosed()) return;
  const outcome = await backend.joinRoom(roomId, session.peer, maxPeersPerRoom);
  if (!outcome.ok) throw new SignalError('ROOM_FULL', `Room '${roomId}' is full`);
  // Only now is the old room left: its members hear PEER_LEFT_ROOM for a switch that happened.
  if (session.roomId !== null) await leaveCurrentRoom(session, backend);
  // Even when the connection closed meanwhile, the join is completed and announced: the cleanup
  // waiting behind this step then leaves the room, so the members hear NEW_PEER_IN_ROOM and
  // PEER_LEFT_ROOM as a pair, never a PEER_LEFT_ROOM for a peer they were not told of.
  session.roomId = roomId;
  setRoomPeers(session, outcome.members.length);
  // The joiner hears of the members before they hear of it, so it never gets an offer from a stranger.
  if (!session.isClosed()) session.send(encodeRoomMembers(roomId, outcome.members));
  backend.announceJoin(roomId, session.peer, outcome.members);
  session.logInfo({ roomId, members: outcome.members.length }, 'join');
}

/** LEAVE_ROOM: leave the current room, which must be `roomId` when one is named. */
export async function leaveRoom(
  session: Session,
  roomId: string | undefined,
  backend: Backend,
): Promise<void> {
  if (session.roomId === null) throw new SignalError('NOT_IN_ROOM');
  if (roomId !== undefined && roomId !== session.roomId) {
    throw new SignalError('NOT_IN_ROOM', `You are not in room '${roomId}'`);
  }
  await leaveCurrentRoom(session, backend);
}

/** Leave the session's room, if it is in one (its members hear PEER_LEFT_ROOM). */
export async function leaveCurrentRoom(session: Session, backend: Backend): Promise<void> {
  const roomId = session.roomId;
  if (roomId === null) return;
  session.roomId = null;
  setRoomPeers(session, 0);
  await backend.leaveRoom(roomId, session.peer);
  session.logInfo({ roomId }, 'leave');
}
