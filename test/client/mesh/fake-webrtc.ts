/**
 * An in-process stand-in for RTCPeerConnection, enough for PeerMesh and PeerLink in Node: offers
 * and answers name the connection that made them, so two connections that exchanged them (through
 * the real signaling server) are paired, "connect" and carry their data channels to each other.
 * Like SCTP, only the first negotiation adds data channels; later channels need none. A pair stays
 * paired whatever happens to signaling, as a real DTLS session does: what one side sends on a
 * channel reaches only the connection it negotiated with.
 */

const connections = new Map<string, FakePeerConnection>();
let nextId = 1;

type Handler<E> = ((event: E) => void) | null;

/** A data channel of a {@link FakePeerConnection}. */
/** Fires its events both to its on… handler and to listeners (as a browser's channel does). */
export class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting';
  onopen: Handler<Event> = null;
  onmessage: Handler<MessageEvent> = null;
  onclose: Handler<Event> = null;
  /** The channel at the other end, once paired. */
  other: FakeDataChannel | null = null;

  constructor(
    readonly label: string,
    /** The negotiated stream id, or null for a channel announced in band. */
    readonly id: number | null,
  ) {
    super();
  }

  send(data: string): void {
    if (this.readyState !== 'open')
      throw new Error(`InvalidStateError: channel ${this.label} is ${this.readyState}`);
    const other = this.other;
    setImmediate(() => {
      if (other?.readyState !== 'open') return;
      other.onmessage?.({ data } as MessageEvent);
      other.dispatchEvent(new MessageEvent('message', { data }));
    });
  }

  close(): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    this.onclose?.({} as Event);
    this.dispatchEvent(new Event('close'));
    this.other?.close();
  }

  /** Paired with its other end: both open. */
  open(other: FakeDataChannel): void {
    this.other = other;
    other.other = this;
    for (const channel of [this, other]) {
      setImmediate(() => {
        if (channel.readyState !== 'connecting') return;
        channel.readyState = 'open';
        channel.onopen?.({} as Event);
        channel.dispatchEvent(new Event('open'));
      });
    }
  }
}

/** The stand-in for RTCPeerConnection. */
export class FakePeerConnection {
  readonly fakeId = `fake-pc-${nextId++}`;
  signalingState: RTCSignalingState = 'stable';
  connectionState: RTCPeerConnectionState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  onnegotiationneeded: Handler<Event> = null;
  onicecandidate: Handler<RTCPeerConnectionIceEvent> = null;
  onconnectionstatechange: Handler<Event> = null;
  ondatachannel: Handler<RTCDataChannelEvent> = null;
  ontrack: Handler<RTCTrackEvent> = null;
  /** The connection this one negotiated with. */
  remote: FakePeerConnection | null = null;
  readonly channels: FakeDataChannel[] = [];
  private configuration: RTCConfiguration;
  /** True once a negotiation included data channels (an SCTP association). */
  private sctp = false;
  private negotiationQueued = false;

  constructor(configuration: RTCConfiguration = {}) {
    this.configuration = configuration;
    connections.set(this.fakeId, this);
  }

  getConfiguration(): RTCConfiguration {
    return this.configuration;
  }

  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration;
  }

  createDataChannel(label: string, init: RTCDataChannelInit = {}): FakeDataChannel {
    const channel = new FakeDataChannel(label, init.negotiated ? (init.id ?? 0) : null);
    this.channels.push(channel);
    if (this.sctp && this.connectionState === 'connected') this.pair(channel);
    else if (!this.sctp) this.negotiationNeeded();
    return channel;
  }

  async setLocalDescription(): Promise<void> {
    await tick();
    if (this.signalingState === 'stable') {
      this.localDescription = { type: 'offer', sdp: this.sdp() };
      this.signalingState = 'have-local-offer';
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: this.sdp() };
      this.signalingState = 'stable';
      this.negotiated();
    }
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    await tick();
    const from = connections.get(/fake-pc-\d+/.exec(description.sdp ?? '')?.[0] ?? '') ?? null;
    if (description.type === 'offer') {
      // An offer in have-local-offer rolls our own back (perfect negotiation's polite side).
      this.localDescription = null;
      this.remoteDescription = description;
      this.remote = from;
      this.signalingState = 'have-remote-offer';
    } else if (description.type === 'answer' && this.signalingState === 'have-local-offer') {
      this.remoteDescription = description;
      this.remote = from;
      this.signalingState = 'stable';
      this.negotiated();
    }
  }

  async addIceCandidate(): Promise<void> {}

  restartIce(): void {}

  addTrack(): never {
    throw new Error('FakePeerConnection has no media');
  }

  close(): void {
    if (this.signalingState === 'closed') return;
    this.signalingState = 'closed';
    this.connectionState = 'closed';
    connections.delete(this.fakeId);
    for (const channel of this.channels) channel.close();
  }

  private sdp(): string {
    return `v=0\r\no=- ${this.fakeId}\r\n${this.channels.length > 0 ? 'm=application\r\n' : ''}`;
  }

  private negotiationNeeded(): void {
    if (this.negotiationQueued) return;
    this.negotiationQueued = true;
    setImmediate(() => {
      this.negotiationQueued = false;
      if (this.signalingState === 'stable' && !this.sctp && this.channels.length > 0)
        this.onnegotiationneeded?.({} as Event);
    });
  }

  /** An offer/answer exchange completed on this side; connected once the other side is done too. */
  private negotiated(): void {
    if (this.channels.length > 0 || /m=application/.test(this.remoteDescription?.sdp ?? '')) this.sctp = true;
    setImmediate(() => {
      const remote = this.remote;
      if (!remote || remote.remote !== this || remote.signalingState !== 'stable') return;
      if (this.signalingState !== 'stable') return;
      for (const side of [this, remote]) {
        side.sctp = side.sctp || this.sctp || remote.sctp;
        if (side.connectionState !== 'connected') {
          side.connectionState = 'connected';
          side.onconnectionstatechange?.({} as Event);
        }
      }
      for (const channel of [...this.channels, ...remote.channels])
        if (!channel.other) this.owner(channel).pair(channel);
    });
  }

  private owner(channel: FakeDataChannel): FakePeerConnection {
    return this.channels.includes(channel) ? this : (this.remote as FakePeerConnection);
  }

  /** Give `channel` its other end on the remote: the negotiated twin, or an announced channel. */
  private pair(channel: FakeDataChannel): void {
    const remote = this.remote;
    if (!remote || channel.other || channel.readyState !== 'connecting') return;
    if (channel.id !== null) {
      const twin = remote.channels.find((c) => c.id === channel.id && c.other === null);
      if (twin) channel.open(twin);
      return;
    }
    const announced = new FakeDataChannel(channel.label, null);
    remote.channels.push(announced);
    channel.open(announced);
    remote.ondatachannel?.({ channel: announced } as unknown as RTCDataChannelEvent);
  }
}

/** The constructor to give PeerMesh (`RTCPeerConnection` option). */
export const FakeRTCPeerConnection = FakePeerConnection as unknown as typeof RTCPeerConnection;

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
