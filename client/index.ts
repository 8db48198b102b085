/**
 * signalroom/client: the browser and Node SDK of signalroom.
 * `SignalingClient` speaks the protocol; `PeerMesh` builds WebRTC connections to everyone in the room.
 */
export { SignalingClient } from './signaling-client.js';
export type {
  ConnectionState,
  Identity,
  JoinedIdentity,
  ReconnectOutcome,
  SignalingClientOptions,
  SignalingEvents,
  SignalMessage,
} from './signaling-types.js';
export { PeerMesh } from './peer-mesh.js';
export type { DataChannelSpec, PeerMeshEvents, PeerMeshOptions } from './peer-mesh.js';
export { PeerLink, isPolite } from './peer-link.js';
export type { NegotiationStats } from './peer-link.js';
export { SignalroomError, CLIENT_ERROR_CODES } from './errors.js';
export type { ClientErrorCode, SignalroomErrorCode } from './errors.js';
export { ExponentialBackoffPolicy, NEVER_RECONNECT } from './reconnect-policy.js';
export type { ExponentialBackoffOptions, ReconnectContext, ReconnectPolicy } from './reconnect-policy.js';
export { fetchIceServers } from './ice-servers.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket-like.js';
export type { RTCPeerConnectionConstructor } from './webrtc-types.js';
export { TypedEmitter } from './emitter.js';
export type { ErrorCode } from '../protocol/error-codes.js';
export type { IceCandidate, IceServer, PeerInfo, SessionDescription } from '../protocol/messages.js';
export { normaliseUsername, checkRoomId } from '../protocol/names.js';
