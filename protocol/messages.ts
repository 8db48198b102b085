/**
 * The one source of the wire protocol: every message as a TypeBox schema. Types, the compiled
 * validators, the published JSON Schema (docs/schema/) and the doc check all derive from these.
 * Unknown fields are allowed on input (clients of the original server send extras) but never
 * copied to output: the core builds every outgoing message from validated fields only.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

const str = (maxLength: number, description?: string) =>
  Type.String(description ? { maxLength, description } : { maxLength });

/** `{ id, username }` as the server announces a peer. */
export const PeerInfo = Type.Object(
  {
    id: Type.String({ description: 'Random UUID v4 chosen by the server' }),
    username: Type.String(),
  },
  { $id: 'PeerInfo', additionalProperties: false },
);
export type PeerInfo = Static<typeof PeerInfo>;

/** A session description as `RTCSessionDescriptionInit`. */
export const SessionDescription = Type.Object({
  type: Type.Union([
    Type.Literal('offer'),
    Type.Literal('answer'),
    Type.Literal('pranswer'),
    Type.Literal('rollback'),
  ]),
  sdp: str(LIMITS.sdpMaxUnits),
});
export type SessionDescription = Static<typeof SessionDescription>;

/** An ICE candidate as `RTCIceCandidateInit`; nulls are what browsers produce for some candidates. */
export const IceCandidate = Type.Object({
  candidate: str(LIMITS.candidateMaxUnits),
  sdpMid: Type.Optional(Type.Union([str(LIMITS.shortFieldMaxUnits), Type.Null()])),
  sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
  usernameFragment: Type.Optional(Type.Union([str(LIMITS.shortFieldMaxUnits), Type.Null()])),
});
export type IceCandidate = Static<typeof IceCandidate>;

const PingId = Type.Union([str(LIMITS.pingIdMaxUnits), Type.Number()]);

// ---- client → server -------------------------------------------------------------------------

/** Must be the first message on a connection. */
export const Identify = Type.Object(
  {
    type: Type.Literal('IDENTIFY'),
    username: str(LIMITS.usernameMaxUnits),
    token: Type.Optional(str(LIMITS.tokenMaxUnits)),
    resumeToken: Type.Optional(str(LIMITS.tokenMaxUnits)),
    received: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'with resumeToken: frames received after AUTH_SUCCESS so far (the server replays the rest)',
      }),
    ),
  },
  { $id: 'Identify' },
);
/** Join a room, leaving the current one first. */
export const JoinRoom = Type.Object(
  { type: Type.Literal('JOIN_ROOM'), roomId: str(LIMITS.roomIdMaxUnits) },
  { $id: 'JoinRoom' },
);
/** Leave the current room. */
export const LeaveRoom = Type.Object(
  { type: Type.Literal('LEAVE_ROOM'), roomId: Type.Optional(str(LIMITS.roomIdMaxUnits)) },
  { $id: 'LeaveRoom' },
);
/** An SDP offer for one peer of the sender's room. */
export const SdpOfferIn = Type.Object(
  { type: Type.Literal('SDP_OFFER'), toPeerId: str(LIMITS.peerIdMaxUnits), sdp: SessionDescription },
  { $id: 'SdpOfferIn' },
);
/** An SDP answer for one peer of the sender's room. */
export const SdpAnswerIn = Type.Object(
  { type: Type.Literal('SDP_ANSWER'), toPeerId: str(LIMITS.peerIdMaxUnits), sdp: SessionDescription },
  { $id: 'SdpAnswerIn' },
);
/** A trickled ICE candidate for one peer of the sender's room. */
export const IceCandidateIn = Type.Object(
  { type: Type.Literal('ICE_CANDIDATE'), toPeerId: str(LIMITS.peerIdMaxUnits), iceCandidate: IceCandidate },
  { $id: 'IceCandidateIn' },
);
/** Application-level ping: browsers cannot send WebSocket pings. */
export const Ping = Type.Object({ type: Type.Literal('PING'), id: Type.Optional(PingId) }, { $id: 'Ping' });

/** Every client message schema by its `type`. */
export const CLIENT_MESSAGES = {
  IDENTIFY: Identify,
  JOIN_ROOM: JoinRoom,
  LEAVE_ROOM: LeaveRoom,
  SDP_OFFER: SdpOfferIn,
  SDP_ANSWER: SdpAnswerIn,
  ICE_CANDIDATE: IceCandidateIn,
  PING: Ping,
} as const satisfies Record<string, TSchema>;

/** A client message type. */
export type ClientMessageType = keyof typeof CLIENT_MESSAGES;
/** The union of the messages a registry of schemas by `type` describes. */
type MessageOf<R extends Record<string, TSchema>> = { [K in keyof R]: Static<R[K]> }[keyof R];
/** A validated client message. */
export type ClientMessage = MessageOf<typeof CLIENT_MESSAGES>;
/** A client message of one type. */
export type ClientMessageOf<K extends ClientMessageType> = Static<(typeof CLIENT_MESSAGES)[K]>;
/** The relayed message types. */
export type SignalType = 'SDP_OFFER' | 'SDP_ANSWER' | 'ICE_CANDIDATE';
/** A validated relay message from a client. */
export type SignalIn = Static<typeof SdpOfferIn> | Static<typeof SdpAnswerIn> | Static<typeof IceCandidateIn>;

// ---- server → client -------------------------------------------------------------------------

/** An ICE server entry as `RTCIceServer`. */
export const IceServer = Type.Object({
  urls: Type.Union([Type.String(), Type.Array(Type.String())]),
  username: Type.Optional(Type.String()),
  credential: Type.Optional(Type.String()),
});
export type IceServer = Static<typeof IceServer>;

/** Identification accepted. */
export const AuthSuccess = Type.Object(
  {
    type: Type.Literal('AUTH_SUCCESS'),
    status: Type.Literal('success'),
    username: Type.String(),
    peerId: Type.String(),
    resumeToken: Type.Optional(Type.String()),
    iceServers: Type.Optional(Type.Array(IceServer)),
    resumed: Type.Optional(Type.Boolean({ description: 'true when a held session was resumed' })),
    roomId: Type.Optional(Type.String({ description: 'the room a resumed session is still in' })),
    received: Type.Optional(
      Type.Integer({
        description: 'on resume: frames the server processed after IDENTIFY (the client re-sends the rest)',
      }),
    ),
  },
  { $id: 'AuthSuccess', additionalProperties: false },
);
/** Identification refused; the server closes the connection after it. */
export const AuthError = Type.Object(
  {
    type: Type.Literal('AUTH_ERROR'),
    status: Type.Literal('error'),
    code: Type.String(),
    message: Type.String(),
  },
  { $id: 'AuthError', additionalProperties: false },
);
/** To the joiner: everyone else in the room. */
export const RoomMembers = Type.Object(
  { type: Type.Literal('ROOM_MEMBERS'), roomId: Type.String(), members: Type.Array(PeerInfo) },
  { $id: 'RoomMembers', additionalProperties: false },
);
/** To everyone already in the room. */
export const NewPeerInRoom = Type.Object(
  { type: Type.Literal('NEW_PEER_IN_ROOM'), roomId: Type.String(), peer: PeerInfo },
  { $id: 'NewPeerInRoom', additionalProperties: false },
);
/** To everyone left in the room. */
export const PeerLeftRoom = Type.Object(
  { type: Type.Literal('PEER_LEFT_ROOM'), roomId: Type.String(), peer: PeerInfo },
  { $id: 'PeerLeftRoom', additionalProperties: false },
);
// Written out per field (not with a computed key) so the static types keep `type` as a discriminant.
const sdpOut = <T extends 'SDP_OFFER' | 'SDP_ANSWER'>(type: T, id: string) =>
  Type.Object(
    {
      type: Type.Literal(type),
      fromPeerId: Type.String(),
      toPeerId: Type.String(),
      sdp: SessionDescription,
    },
    { $id: id, additionalProperties: false },
  );
/** A relayed offer. */
export const SdpOfferOut = sdpOut('SDP_OFFER', 'SdpOfferOut');
/** A relayed answer. */
export const SdpAnswerOut = sdpOut('SDP_ANSWER', 'SdpAnswerOut');
/** A relayed candidate. */
export const IceCandidateOut = Type.Object(
  {
    type: Type.Literal('ICE_CANDIDATE'),
    fromPeerId: Type.String(),
    toPeerId: Type.String(),
    iceCandidate: IceCandidate,
  },
  { $id: 'IceCandidateOut', additionalProperties: false },
);
/** A refused message. */
export const ErrorMessage = Type.Object(
  {
    type: Type.Literal('ERROR'),
    code: Type.String(),
    message: Type.String(),
    ref: Type.Optional(Type.String({ description: "the refused message's type" })),
    retryAfterMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'with RATE_LIMITED: send the refused message again after this long',
      }),
    ),
    frame: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: "with RATE_LIMITED: the refused frame's number among the client's frames after IDENTIFY",
      }),
    ),
    retryBurst: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'with RATE_LIMITED for a signal: how many signals may go at once after retryAfterMs',
      }),
    ),
    retryPerSecond: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description: 'with RATE_LIMITED for a signal: how many signals a second may follow them',
      }),
    ),
  },
  { $id: 'ErrorMessage', additionalProperties: false },
);
/** Answer to PING. */
export const Pong = Type.Object({ type: Type.Literal('PONG'), id: Type.Optional(PingId) }, { $id: 'Pong' });

/** Every server message schema by its `type`. */
export const SERVER_MESSAGES = {
  AUTH_SUCCESS: AuthSuccess,
  AUTH_ERROR: AuthError,
  ROOM_MEMBERS: RoomMembers,
  NEW_PEER_IN_ROOM: NewPeerInRoom,
  PEER_LEFT_ROOM: PeerLeftRoom,
  SDP_OFFER: SdpOfferOut,
  SDP_ANSWER: SdpAnswerOut,
  ICE_CANDIDATE: IceCandidateOut,
  ERROR: ErrorMessage,
  PONG: Pong,
} as const satisfies Record<string, TSchema>;

/** A server message type. */
export type ServerMessageType = keyof typeof SERVER_MESSAGES;
/** Any message the server sends. */
export type ServerMessage = MessageOf<typeof SERVER_MESSAGES>;
/** A server message of one type. */
export type ServerMessageOf<K extends ServerMessageType> = Static<(typeof SERVER_MESSAGES)[K]>;
