/**
 * One RTCPeerConnection to one other peer, negotiated with the "perfect negotiation" pattern:
 * either side may start a negotiation at any time; when both offer at once (glare) the impolite
 * side ignores the other's offer and the polite side rolls its own back and answers.
 */
import type { IceCandidate, PeerInfo } from '../protocol/messages.js';
import { SignalroomError } from './errors.js';
import { LinkControl } from './link-control.js';
import type { SignalMessage } from './signaling-types.js';
import {
  globalPeerConnection,
  type MediaStream,
  type MediaStreamTrack,
  type RTCConfiguration,
  type RTCDataChannel,
  type RTCDataChannelInit,
  type RTCIceCandidateInit,
  type RTCIceServer,
  type RTCPeerConnection,
  type RTCPeerConnectionConstructor,
  type RTCPeerConnectionState,
  type RTCRtpSender,
  type RTCSessionDescriptionInit,
  type RTCTrackEvent,
} from './webrtc-types.js';

/** How a link sends its signals (the mesh routes them through the signaling client). */
export interface SignalSender {
  offer(description: RTCSessionDescriptionInit): void;
  answer(description: RTCSessionDescriptionInit): void;
  candidate(candidate: IceCandidate): void;
}

/** What a link reports to its mesh. */
export interface LinkObserver {
  state(link: PeerLink, state: RTCPeerConnectionState): void;
  channel(link: PeerLink, channel: RTCDataChannel): void;
  track(link: PeerLink, event: RTCTrackEvent): void;
  error(link: PeerLink, error: SignalroomError): void;
  /** Called before an ICE restart (the mesh renews TURN credentials); the restart waits for it. */
  beforeIceRestart(link: PeerLink): Promise<void>;
  /** An ICE restart was started, and why. */
  iceRestart(link: PeerLink, reason: IceRestartReason): void;
  /** The remote said over the connection itself which peer id it has now (`ask`: it wants ours). */
  remotePeerId(link: PeerLink, peerId: string, ask: boolean): void;
}

/** Why an ICE restart was started: the connection `failed`, stayed `disconnected` too long, or the app asked. */
export type IceRestartReason = 'failed' | 'disconnected' | 'requested';

/** Settings of a {@link PeerLink} beyond its RTCConfiguration. */
export interface PeerLinkOptions {
  /** The RTCPeerConnection implementation (default: the global one). */
  PeerConnection?: RTCPeerConnectionConstructor;
  /**
   * Restart ICE when the connection has been `disconnected` this long (ms); 0: only on `failed`.
   * Default 5000: Chromium reports `disconnected` some 6 s and `failed` some 16 s after the path died.
   */
  restartDisconnectedAfterMs?: number;
}

/** Counters of negotiation events, for diagnostics and tests. */
export interface NegotiationStats {
  offersSent: number;
  offersReceived: number;
  /** Offers that arrived while this side was making or holding its own. */
  collisions: number;
  /** Colliding offers ignored because this side is impolite. */
  ignoredOffers: number;
  /** Own offers rolled back because this side is polite. */
  rollbacks: number;
  iceRestarts: number;
}

/** The polite side is the one with the smaller id: both sides compute the same answer. */
export function isPolite(localId: string, remoteId: string): boolean {
  return localId < remoteId;
}

/** A negotiated connection to one peer. */
export class PeerLink {
  /** The underlying connection. */
  readonly pc: RTCPeerConnection;
  /** Senders of local tracks, so a track can be removed again. */
  readonly senders: Map<MediaStreamTrack, RTCRtpSender> = new Map();
  /** Negotiation counters. */
  readonly stats: NegotiationStats = {
    offersSent: 0,
    offersReceived: 0,
    collisions: 0,
    ignoredOffers: 0,
    rollbacks: 0,
    iceRestarts: 0,
  };
  private readonly polite: boolean;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private pendingCandidates: RTCIceCandidateInit[] = [];
  // Signals of one peer are applied strictly one after another.
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly restartDisconnectedAfterMs: number;
  private disconnectedTimer: ReturnType<typeof setTimeout> | null = null;
  private restarting = false;
  private readonly control: LinkControl;

  constructor(
    /** The remote peer (its id changes when it rejoins after a server restart: {@link rekey}). */
    public peer: PeerInfo,
    localId: string,
    configuration: RTCConfiguration,
    private readonly send: SignalSender,
    private readonly observer: LinkObserver,
    options: PeerLinkOptions = {},
  ) {
    this.polite = isPolite(localId, peer.id);
    this.restartDisconnectedAfterMs = options.restartDisconnectedAfterMs ?? 5000;
    const PeerConnection = options.PeerConnection ?? globalPeerConnection();
    if (!PeerConnection)
      throw new TypeError("PeerLink: no global RTCPeerConnection; pass one (e.g. werift's)");
    this.pc = new PeerConnection(configuration);
    this.pc.onnegotiationneeded = () => void this.negotiate();
    this.pc.onicecandidate = ({ candidate }) => {
      // A null candidate marks the end of gathering; peers do not need it relayed.
      if (candidate && candidate.candidate) this.send.candidate(candidate.toJSON() as IceCandidate);
    };
    this.pc.onconnectionstatechange = () => this.onConnectionState();
    this.pc.ondatachannel = ({ channel }) => this.observer.channel(this, channel);
    this.pc.ontrack = (event) => this.observer.track(this, event);
    this.control = new LinkControl(this.pc, (id, ask) => this.observer.remotePeerId(this, id, ask));
  }

  /**
   * The remote peer came back under a new id (it re-identified after a server restart) and said so
   * over this connection: signals go to the new id from now on. Politeness stays as computed from
   * the first ids, as on the other side.
   */
  rekey(peer: PeerInfo): void {
    this.peer = peer;
  }

  /** Tell the remote, over the connection itself, our peer id (after a rejoin: `ask` for theirs). */
  sendPeerId(peerId: string, ask: boolean): void {
    this.control.sendPeerId(peerId, ask);
  }

  /** The peer id the remote last said it has over the connection, or `null`. */
  get confirmedPeerId(): string | null {
    return this.control.remotePeerId;
  }

  /** True when the connection is up and the remote could say its peer id over it. */
  get canConfirm(): boolean {
    return this.control.open && this.pc.connectionState === 'connected';
  }

  /** True when this side yields in a collision. */
  get isPolite(): boolean {
    return this.polite;
  }

  /** Open a data channel to this peer. */
  createDataChannel(label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const channel = this.pc.createDataChannel(label, init);
    this.observer.channel(this, channel);
    return channel;
  }

  /** Send a local track (renegotiates). */
  addTrack(track: MediaStreamTrack, streams: readonly MediaStream[]): void {
    if (this.senders.has(track)) return;
    this.senders.set(track, this.pc.addTrack(track, ...streams));
  }

  /** Stop sending a local track (renegotiates). */
  removeTrack(track: MediaStreamTrack): void {
    const sender = this.senders.get(track);
    if (!sender) return;
    this.senders.delete(track);
    if (this.pc.signalingState !== 'closed') this.pc.removeTrack(sender);
  }

  /** Use other ICE servers (fresh TURN credentials) from the next ICE gathering on. */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.closed) return;
    try {
      this.pc.setConfiguration({ ...this.pc.getConfiguration(), iceServers });
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Restart ICE: new credentials and candidates (fresh TURN allocations) on the same connection,
   * negotiated like any other change. Done on its own when the connection fails or stays
   * disconnected; resolves once the restart has been started.
   */
  async restartIce(reason: IceRestartReason = 'requested'): Promise<void> {
    if (this.closed || this.restarting) return;
    this.restarting = true;
    try {
      await this.observer.beforeIceRestart(this);
    } catch {
      // Renewing the credentials is best effort: restart with the ones there are.
    } finally {
      this.restarting = false;
    }
    // The connection may have come back (or been closed) while the credentials were renewed.
    const state = this.pc.connectionState;
    if (this.closed || (reason !== 'requested' && state !== reason)) return;
    this.stats.iceRestarts += 1;
    this.observer.iceRestart(this, reason);
    // Renegotiates through negotiationneeded, so perfect negotiation handles both sides restarting.
    this.pc.restartIce();
  }

  /** Apply a signal from this peer. */
  handleSignal(message: SignalMessage): void {
    this.chain = this.chain.then(() => this.apply(message)).catch((err: unknown) => this.fail(err));
  }

  /** Close the connection and its data channels. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearDisconnectedTimer();
    this.pc.onnegotiationneeded = null;
    this.pc.onicecandidate = null;
    this.pc.ondatachannel = null;
    this.pc.ontrack = null;
    this.pc.close();
    this.observer.state(this, 'closed');
    this.pc.onconnectionstatechange = null;
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return;
    try {
      this.makingOffer = true;
      // The control channel rides on the first negotiation, whatever started it.
      this.control.create();
      await this.pc.setLocalDescription();
      const description = this.pc.localDescription;
      // If an incoming offer was applied meanwhile, this became an answer and the chain sends it.
      if (description && description.type === 'offer' && !this.closed) {
        this.stats.offersSent += 1;
        this.send.offer(description);
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.makingOffer = false;
    }
  }

  private async apply(message: SignalMessage): Promise<void> {
    if (this.closed) return;
    if (message.type === 'ICE_CANDIDATE') {
      await this.addCandidate(message.iceCandidate);
      return;
    }
    const description = message.sdp;
    if (description.type === 'offer') this.stats.offersReceived += 1;
    const readyForOffer =
      !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    if (collision) this.stats.collisions += 1;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) {
      this.stats.ignoredOffers += 1;
      return;
    }
    if (collision) this.stats.rollbacks += 1; // setRemoteDescription rolls our offer back implicitly
    this.settingRemoteAnswer = description.type === 'answer';
    try {
      await this.pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    await this.flushCandidates();
    if (description.type === 'offer') {
      // Created between the remote offer and our answer, so the answer carries it: no offer of our own.
      this.control.create();
      await this.pc.setLocalDescription();
      const answer = this.pc.localDescription;
      if (answer && !this.closed) this.send.answer(answer);
    }
  }

  private async addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.pc.remoteDescription) {
      // Trickled candidates may overtake the description they belong to.
      this.pendingCandidates.push(candidate);
      return;
    }
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      // Candidates of an offer we ignored (or of a rolled-back round) fail harmlessly.
      if (!this.ignoreOffer) this.fail(err);
    }
  }

  private async flushCandidates(): Promise<void> {
    const pending = this.pendingCandidates;
    this.pendingCandidates = [];
    for (const candidate of pending) {
      try {
        await this.pc.addIceCandidate(candidate);
      } catch {
        // Buffered candidates may belong to a description that was ignored or rolled back.
      }
    }
  }

  private onConnectionState(): void {
    const state = this.pc.connectionState;
    this.clearDisconnectedTimer();
    if (state === 'failed' && !this.closed) void this.restartIce('failed');
    if (state === 'disconnected' && !this.closed && this.restartDisconnectedAfterMs > 0) {
      // `disconnected` often heals by itself within seconds; one that lasts will not, or only at `failed`.
      this.disconnectedTimer = setTimeout(() => {
        this.disconnectedTimer = null;
        void this.restartIce('disconnected');
      }, this.restartDisconnectedAfterMs);
    }
    this.observer.state(this, state);
  }

  private clearDisconnectedTimer(): void {
    if (this.disconnectedTimer !== null) clearTimeout(this.disconnectedTimer);
    this.disconnectedTimer = null;
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    const message = err instanceof Error ? err.message : String(err);
    this.observer.error(this, SignalroomError.client('PEER_CONNECTION', `${this.peer.username}: ${message}`));
  }
}
