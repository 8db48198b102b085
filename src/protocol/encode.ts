/**
 * Builds outgoing frames. Every frame is built from validated fields only, so nothing a client
 * adds to a message reaches another client; a fan-out serialises once and sends the same string.
 */
import type { ErrorCode } from './error-codes.js';
import { ERROR_CODES } from './error-codes.js';
import type { IceServer, PeerInfo, ServerMessage, SignalIn } from './messages.js';

/** Serialise any server message. */
export function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}

/** An `ERROR` frame; the message defaults to the code's registered text. */
export function encodeError(code: ErrorCode, message?: string, ref?: string): string {
  return JSON.stringify(
    ref === undefined
      ? { type: 'ERROR', code, message: message ?? ERROR_CODES[code].message }
      : { type: 'ERROR', code, message: message ?? ERROR_CODES[code].message, ref },
  );
}

/** An `AUTH_ERROR` frame. */
export function encodeAuthError(code: ErrorCode, message?: string): string {
  return JSON.stringify({
    type: 'AUTH_ERROR',
    status: 'error',
    code,
    message: message ?? ERROR_CODES[code].message,
  });
}

/** `AUTH_SUCCESS`, with the optional extensions only when present. */
export function encodeAuthSuccess(fields: {
  username: string;
  peerId: string;
  resumeToken?: string;
  iceServers?: IceServer[];
  resumed?: boolean;
  roomId?: string;
  received?: number;
}): string {
  return JSON.stringify({ type: 'AUTH_SUCCESS', status: 'success', ...fields });
}

/** A peer announcement (`NEW_PEER_IN_ROOM` or `PEER_LEFT_ROOM`). */
export function encodePeerEvent(
  type: 'NEW_PEER_IN_ROOM' | 'PEER_LEFT_ROOM',
  roomId: string,
  peer: PeerInfo,
): string {
  return JSON.stringify({ type, roomId, peer: { id: peer.id, username: peer.username } });
}

/** `ROOM_MEMBERS` for a joiner. */
export function encodeRoomMembers(roomId: string, members: readonly PeerInfo[]): string {
  return JSON.stringify({
    type: 'ROOM_MEMBERS',
    roomId,
    members: members.map((m) => ({ id: m.id, username: m.username })),
  });
}

/** A relayed signal: only schema fields are copied; `fromPeerId` is the sender's real id. */
export function encodeSignal(fromPeerId: string, msg: SignalIn): string {
  if (msg.type === 'ICE_CANDIDATE') {
    const c = msg.iceCandidate;
    const iceCandidate: Record<string, unknown> = { candidate: c.candidate };
    if (c.sdpMid !== undefined) iceCandidate.sdpMid = c.sdpMid;
    if (c.sdpMLineIndex !== undefined) iceCandidate.sdpMLineIndex = c.sdpMLineIndex;
    if (c.usernameFragment !== undefined) iceCandidate.usernameFragment = c.usernameFragment;
    return JSON.stringify({ type: msg.type, fromPeerId, toPeerId: msg.toPeerId, iceCandidate });
  }
  return JSON.stringify({
    type: msg.type,
    fromPeerId,
    toPeerId: msg.toPeerId,
    sdp: { type: msg.sdp.type, sdp: msg.sdp.sdp },
  });
}

/** `PONG` echoing the ping's id. */
export function encodePong(id: string | number | undefined): string {
  return JSON.stringify(id === undefined ? { type: 'PONG' } : { type: 'PONG', id });
}
