/**
 * Builds outgoing frames. Every frame is built from validated fields only, so nothing a client
 * adds to a message reaches another client; a fan-out serialises once and sends the same frame.
 * Each text starts with its `type` (frame.ts's `frameFromText` relies on it) and a relayed signal
 * names its sender second.
 */
import type { ErrorCode } from './error-codes.js';
import { ERROR_CODES } from './error-codes.js';
import { OutFrame } from './frame.js';
import type { IceServer, PeerInfo, ServerMessage, SignalIn } from './messages.js';

/** Serialise any server message. */
export function encode(message: ServerMessage): OutFrame {
  const from = 'fromPeerId' in message ? message.fromPeerId : '';
  return new OutFrame(message.type, JSON.stringify(message), from);
}

/** An `ERROR` frame; the message defaults to the code's registered text. */
export function encodeError(code: ErrorCode, message?: string, ref?: string): OutFrame {
  return new OutFrame(
    'ERROR',
    JSON.stringify(
      ref === undefined
        ? { type: 'ERROR', code, message: message ?? ERROR_CODES[code].message }
        : { type: 'ERROR', code, message: message ?? ERROR_CODES[code].message, ref },
    ),
  );
}

/** An `AUTH_ERROR` frame. */
export function encodeAuthError(code: ErrorCode, message?: string): OutFrame {
  return new OutFrame(
    'AUTH_ERROR',
    JSON.stringify({
      type: 'AUTH_ERROR',
      status: 'error',
      code,
      message: message ?? ERROR_CODES[code].message,
    }),
  );
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
}): OutFrame {
  return new OutFrame('AUTH_SUCCESS', JSON.stringify({ type: 'AUTH_SUCCESS', status: 'success', ...fields }));
}

/** A peer announcement (`NEW_PEER_IN_ROOM` or `PEER_LEFT_ROOM`). */
export function encodePeerEvent(
  type: 'NEW_PEER_IN_ROOM' | 'PEER_LEFT_ROOM',
  roomId: string,
  peer: PeerInfo,
): OutFrame {
  return new OutFrame(type, JSON.stringify({ type, roomId, peer: { id: peer.id, username: peer.username } }));
}

/** `ROOM_MEMBERS` for a joiner. */
export function encodeRoomMembers(roomId: string, members: readonly PeerInfo[]): OutFrame {
  return new OutFrame(
    'ROOM_MEMBERS',
    JSON.stringify({
      type: 'ROOM_MEMBERS',
      roomId,
      members: members.map((m) => ({ id: m.id, username: m.username })),
    }),
  );
}

/**
 * A relayed signal: only schema fields are copied; `fromPeerId` is the sender's real id.
 * `source` is the frame the message was parsed from: when an SDP frame is laid out exactly as the
 * schema (the form `JSON.stringify` gives), its SDP is copied as the escaped text it already is.
 */
export function encodeSignal(fromPeerId: string, msg: SignalIn, source?: string): OutFrame {
  return new OutFrame(msg.type, signalText(fromPeerId, msg, source), fromPeerId);
}

/** The text of {@link encodeSignal}'s frame. */
function signalText(fromPeerId: string, msg: SignalIn, source: string | undefined): string {
  // Hand-built around JSON.stringify of each value: the same text as stringifying the object
  // (same keys, same order), without building that object and walking it generically.
  const to = JSON.stringify(msg.toPeerId);
  const head = `{"type":"${msg.type}","fromPeerId":${JSON.stringify(fromPeerId)},"toPeerId":${to}`;
  if (msg.type === 'ICE_CANDIDATE') {
    const c = msg.iceCandidate;
    let body = `${head},"iceCandidate":{"candidate":${JSON.stringify(c.candidate)}`;
    if (c.sdpMid !== undefined) body += `,"sdpMid":${JSON.stringify(c.sdpMid)}`;
    if (c.sdpMLineIndex !== undefined) body += `,"sdpMLineIndex":${JSON.stringify(c.sdpMLineIndex)}`;
    if (c.usernameFragment !== undefined) body += `,"usernameFragment":${JSON.stringify(c.usernameFragment)}`;
    return `${body}}}`;
  }
  const sdpHead = `,"sdp":{"type":${JSON.stringify(msg.sdp.type)},"sdp":"`;
  if (source !== undefined) {
    // Escaping a 4 KB SDP again costs as much as parsing it. The source's SDP literal can be reused
    // only when the frame is `{"type":…,"toPeerId":…,"sdp":{"type":…,"sdp":"…"}}` with nothing
    // else in it and no quote inside the literal: then that literal is exactly the parsed value.
    const expected = `{"type":"${msg.type}","toPeerId":${to}${sdpHead}`;
    if (
      source.startsWith(expected) &&
      source.endsWith('"}}') &&
      source.indexOf('"', expected.length) === source.length - 3
    ) {
      return `${head}${sdpHead}${source.slice(expected.length)}`;
    }
  }
  return `${head}${sdpHead.slice(0, -1)}${JSON.stringify(msg.sdp.sdp)}}}`;
}

/** `PONG` echoing the ping's id. */
export function encodePong(id: string | number | undefined): OutFrame {
  return new OutFrame('PONG', JSON.stringify(id === undefined ? { type: 'PONG' } : { type: 'PONG', id }));
}
