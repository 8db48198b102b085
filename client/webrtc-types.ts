/**
 * The WebRTC types of the SDK's API, for programs with and without the DOM lib. With it (browsers,
 * the demo, this SDK's own build) each one is exactly the DOM's type. Without it (a Node program
 * compiled with `lib: ["ES2022"]`) each one is the minimal shape below: what the SDK calls, and
 * what a Node WebRTC implementation such as werift provides. The choice is made through the
 * global constructors (`typeof globalThis`), because naming a DOM type directly would not compile
 * without the DOM lib. The SDK's files import these under the DOM's names, so their code reads the same.
 */

type Globals = typeof globalThis;

/** A peer connection: the DOM's `RTCPeerConnection`, or {@link PeerConnectionShape} without the DOM lib. */
export type RTCPeerConnection = Globals extends { RTCPeerConnection: { prototype: infer T } }
  ? T
  : PeerConnectionShape;
/** A data channel: the DOM's `RTCDataChannel`, or {@link DataChannelShape}. */
export type RTCDataChannel = Globals extends { RTCDataChannel: { prototype: infer T } }
  ? T
  : DataChannelShape;
/** A media track: the DOM's `MediaStreamTrack`, or {@link MediaStreamTrackShape}. */
export type MediaStreamTrack = Globals extends { MediaStreamTrack: { prototype: infer T } }
  ? T
  : MediaStreamTrackShape;
/** A media stream: the DOM's `MediaStream`, or {@link MediaStreamShape}. */
export type MediaStream = Globals extends { MediaStream: { prototype: infer T } } ? T : MediaStreamShape;
/** What `addTrack` returns: the DOM's `RTCRtpSender`, or an opaque object. */
export type RTCRtpSender = Globals extends { RTCRtpSender: { prototype: infer T } } ? T : object;
/** A `track` event: the DOM's `RTCTrackEvent`, or {@link TrackEventShape}. */
export type RTCTrackEvent = Globals extends { RTCTrackEvent: { prototype: infer T } } ? T : TrackEventShape;
/** The settings of a peer connection (the DOM's `RTCConfiguration`). */
export type RTCConfiguration = Globals extends { RTCPeerConnection: new (configuration?: infer C) => unknown }
  ? NonNullable<C>
  : ConfigurationShape;
/** One STUN or TURN server (the DOM's `RTCIceServer`). */
export type RTCIceServer = NonNullable<RTCConfiguration['iceServers']>[number];
/** Options of a new data channel (the DOM's `RTCDataChannelInit`). */
export type RTCDataChannelInit = NonNullable<Parameters<RTCPeerConnection['createDataChannel']>[1]>;
/** An SDP offer or answer (the DOM's `RTCSessionDescriptionInit`). */
export type RTCSessionDescriptionInit = Parameters<RTCPeerConnection['setRemoteDescription']>[0];
/** A trickled ICE candidate (the DOM's `RTCIceCandidateInit`). */
export type RTCIceCandidateInit = NonNullable<Parameters<RTCPeerConnection['addIceCandidate']>[0]>;
/** `new`, `connecting`, `connected`, `disconnected`, `failed` or `closed`. */
export type RTCPeerConnectionState = RTCPeerConnection['connectionState'];
/** A peer connection class: the global `RTCPeerConnection`, or werift's in Node. */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** The global `RTCPeerConnection` of the runtime, if it has one. */
export function globalPeerConnection(): RTCPeerConnectionConstructor | undefined {
  return (globalThis as { RTCPeerConnection?: RTCPeerConnectionConstructor }).RTCPeerConnection;
}

// ---- the shapes, without the DOM lib -----------------------------------------------------------

/**
 * An event handler property that an implementation's handler with a richer event type fits:
 * the type of a method, which TypeScript compares bivariantly (the same device as React's types).
 */
export type EventHandler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** An ICE server entry. */
export interface IceServerShape {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** Peer connection settings the SDK passes on. */
export interface ConfigurationShape {
  iceServers?: IceServerShape[];
  iceTransportPolicy?: 'all' | 'relay';
}

/** An SDP offer or answer. */
export interface SessionDescriptionShape {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

/** A trickled ICE candidate. */
export interface IceCandidateShape {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** Data channel options. */
export interface DataChannelInitShape {
  ordered?: boolean;
  maxPacketLifeTime?: number;
  maxRetransmits?: number;
  protocol?: string;
  negotiated?: boolean;
  id?: number;
}

/** A data channel as an app uses it. */
export interface DataChannelShape {
  readonly label: string;
  readonly readyState: 'connecting' | 'open' | 'closing' | 'closed';
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(): void;
  onopen?: EventHandler<unknown> | null;
  onclose?: EventHandler<unknown> | null;
  onmessage?: EventHandler<{ data: unknown }> | null;
}

/** A media track. */
export interface MediaStreamTrackShape {
  readonly kind: string;
  enabled: boolean;
  stop(): void;
}

/** A media stream. */
export interface MediaStreamShape {
  readonly id: string;
}

/** A `track` event. */
export interface TrackEventShape {
  readonly track: MediaStreamTrackShape;
  readonly streams: readonly MediaStreamShape[];
}

/** A peer connection: the members the SDK uses. */
export interface PeerConnectionShape {
  readonly connectionState: 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';
  readonly signalingState: string;
  readonly localDescription: SessionDescriptionShape | null;
  readonly remoteDescription: SessionDescriptionShape | null;
  createDataChannel(label: string, init?: DataChannelInitShape): DataChannelShape;
  addTrack(track: MediaStreamTrackShape, ...streams: MediaStreamShape[]): object;
  removeTrack(sender: object): void;
  setLocalDescription(description?: SessionDescriptionShape): Promise<unknown>;
  setRemoteDescription(description: SessionDescriptionShape): Promise<unknown>;
  addIceCandidate(candidate?: IceCandidateShape): Promise<unknown>;
  getConfiguration(): ConfigurationShape;
  setConfiguration(configuration: ConfigurationShape): void;
  restartIce(): void;
  close(): void;
  onnegotiationneeded?: EventHandler<unknown> | null;
  onicecandidate?: EventHandler<{
    candidate?: (IceCandidateShape & { toJSON(): IceCandidateShape }) | null;
  }> | null;
  onconnectionstatechange?: EventHandler<unknown> | null;
  ondatachannel?: EventHandler<{ channel: DataChannelShape }> | null;
  ontrack?: EventHandler<TrackEventShape> | null;
}
