/**
 * A full mesh over a {@link SignalingClient}: one {@link PeerLink} per other peer in the room,
 * created when members are listed or join, closed when they leave. Local tracks go to every peer;
 * data channels named in the options are opened by the newcomer to each peer it finds.
 */
import type { PeerInfo } from '../protocol/messages.js';
import { TypedEmitter } from './emitter.js';
import type { SignalroomError } from './errors.js';
import { IceServerRefresh } from './ice-server-refresh.js';
import { iceServersUrlFor } from './ice-servers.js';
import { KeptLinks } from './kept-links.js';
import { PeerLink, type IceRestartReason, type LinkObserver } from './peer-link.js';
import type { SignalingClient } from './signaling-client.js';
import type { Identity, SignalMessage } from './signaling-types.js';
import type {
  MediaStream,
  MediaStreamTrack,
  RTCConfiguration,
  RTCDataChannel,
  RTCDataChannelInit,
  RTCIceServer,
  RTCPeerConnectionConstructor,
  RTCPeerConnectionState,
} from './webrtc-types.js';

/** Events of {@link PeerMesh}. */
export interface PeerMeshEvents {
  /** A connection to a peer was created. */
  'peer-added': { peer: PeerInfo; link: PeerLink };
  /** A peer's connection state changed (`new`, `connecting`, `connected`, `disconnected`, `failed`, `closed`). */
  'peer-state': { peer: PeerInfo; state: RTCPeerConnectionState };
  /** A connection was closed (the peer left, or this side left the room). */
  'peer-removed': { peer: PeerInfo };
  /**
   * A kept connection now belongs to a new peer id: after a server restart both sides rejoined
   * under new ids, and the connection (its data channels and media) was kept, because its remote
   * confirmed the new id over the connection itself (never on the username alone).
   */
  'peer-rekeyed': { peer: PeerInfo; previousId: string };
  /** A data channel was opened by this side or announced by the peer (it may still be connecting). */
  channel: { peer: PeerInfo; channel: RTCDataChannel };
  /** A remote media track arrived. */
  track: { peer: PeerInfo; track: MediaStreamTrack; streams: readonly MediaStream[] };
  /** A peer connection operation failed (the mesh carries on). */
  error: { peer: PeerInfo; error: SignalroomError };
  /** An ICE restart was started on a connection (it `failed` or stayed `disconnected`). */
  'ice-restart': { peer: PeerInfo; reason: IceRestartReason };
  /** New ICE servers (renewed TURN credentials) are in use. */
  'ice-servers': { iceServers: RTCIceServer[] };
}

/** A data channel the newcomer opens to every peer. */
export interface DataChannelSpec extends RTCDataChannelInit {
  label: string;
}

/** Options of {@link PeerMesh}. */
export interface PeerMeshOptions {
  /** Data channels opened to each peer (by whichever side joined later). */
  dataChannels?: DataChannelSpec[];
  /** Fixed ICE servers (never renewed); by default those of `AUTH_SUCCESS`, else those at `iceServersUrl`, else none. */
  iceServers?: RTCIceServer[];
  /**
   * The endpoint answering `{ iceServers, ttlSeconds }` to the session's bearer token: asked when
   * `AUTH_SUCCESS` carries no servers, to renew expiring TURN credentials, and before an ICE restart.
   * Default: `/api/ice-servers` on the signaling server's host (http(s) for ws(s)).
   */
  iceServersUrl?: string;
  /** Renew TURN credentials after this share of their lifetime (default 0.8). */
  iceServersRefreshRatio?: number;
  /** Restart ICE on a connection `disconnected` this long (ms, default 5000); 0: only when it `failed`. */
  restartDisconnectedAfterMs?: number;
  /**
   * After a rejoin, how long a peer announced under the name (or id) of a kept connection waits for
   * that connection to confirm it is the same remote (ms, default 5000); unconfirmed, it gets a
   * fresh connection and the kept one is closed.
   */
  keptLinkConfirmMs?: number;
  /** Other RTCPeerConnection settings. */
  rtcConfiguration?: Omit<RTCConfiguration, 'iceServers'>;
  /** The RTCPeerConnection implementation (default: the global one). */
  RTCPeerConnection?: RTCPeerConnectionConstructor;
}

/** One RTCPeerConnection per other peer of the client's room. */
export class PeerMesh extends TypedEmitter<PeerMeshEvents> {
  private readonly links = new Map<string, PeerLink>();
  /** Connections kept through a rejoin, until their remote confirms its new id over them. */
  private readonly kept: KeptLinks;
  private readonly localTracks = new Map<MediaStreamTrack, MediaStream[]>();
  private readonly unsubscribe: Array<() => void>;
  private readonly ice: IceServerRefresh;
  // Client events are handled in order; fetching ICE servers after identification holds the rest back.
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly client: SignalingClient,
    private readonly options: PeerMeshOptions = {},
  ) {
    super();
    this.ice = new IceServerRefresh(
      {
        url: () => this.options.iceServersUrl ?? iceServersUrlFor(client.url),
        token: () => client.apiToken,
        apply: (iceServers) => {
          for (const link of [...this.links.values(), ...this.kept.all()]) link.setIceServers(iceServers);
          this.emit('ice-servers', { iceServers });
        },
      },
      options.iceServersRefreshRatio ?? 0.8,
    );
    this.kept = new KeptLinks(options.keptLinkConfirmMs ?? 5000, {
      schedule: (task) => this.schedule(task),
      handOver: (link, peer) => this.handOver(link, peer),
      connectFresh: (peer, initiate) => this.createLink(peer, initiate),
      discard: (link) => this.closeLink(link),
    });
    const inOrder =
      <T>(handler: (payload: T) => void | Promise<void>) =>
      (payload: T) =>
        this.schedule(() => handler(payload));
    this.unsubscribe = [
      client.on(
        'identified',
        inOrder((identity) => this.onIdentified(identity)),
      ),
      client.on(
        'members',
        inOrder(({ members }) => this.onMembers(members)),
      ),
      client.on(
        'peer-joined',
        inOrder(({ peer }) => void this.ensureLink(peer, false)),
      ),
      client.on(
        'peer-left',
        inOrder(({ peer }) => this.removePeer(peer.id)),
      ),
      client.on(
        'room-left',
        inOrder(({ rejoining }) => {
          if (rejoining) return this.keepAll();
          this.removeAll();
          this.closeKept();
        }),
      ),
      client.on(
        'signal',
        inOrder((message) => this.onSignal(message)),
      ),
    ];
    const identity = client.identified;
    if (identity) inOrder((id: Identity) => this.onIdentified(id))(identity);
  }

  /** The link to `peerId`, if any. */
  get(peerId: string): PeerLink | undefined {
    return this.links.get(peerId);
  }

  /** Every current link. */
  peers(): PeerLink[] {
    return [...this.links.values()];
  }

  /** Send `track` to every peer, now and to those who join later. */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): void {
    this.localTracks.set(track, streams);
    for (const link of this.links.values()) link.addTrack(track, streams);
  }

  /** Stop sending `track` to everyone. */
  removeTrack(track: MediaStreamTrack): void {
    this.localTracks.delete(track);
    for (const link of this.links.values()) link.removeTrack(track);
  }

  /** Open a data channel to one peer (it arrives there as a `channel` event). */
  createDataChannel(peerId: string, label: string, init?: RTCDataChannelInit): RTCDataChannel {
    const link = this.links.get(peerId);
    if (!link) throw new Error(`No connection to peer ${peerId}`);
    return link.createDataChannel(label, init);
  }

  /** Close every connection and stop following the client (the client stays open). */
  close(): void {
    this.closed = true;
    this.ice.close();
    for (const off of this.unsubscribe) off();
    this.removeAll();
    this.closeKept();
  }

  /** The ICE servers new connections get (renewed TURN credentials once they were renewed). */
  get iceServers(): RTCIceServer[] {
    return this.ice.current;
  }

  /** Run `task` after the events before it, unless the mesh is closed by then. */
  private schedule(task: () => void | Promise<void>): void {
    this.queue = this.queue.then(() => (this.closed ? undefined : task())).catch(() => undefined);
  }

  private async onIdentified(identity: Identity): Promise<void> {
    // A resumed session keeps its peer id, room and connections; a new one is a new peer to everyone.
    if (!identity.resumed) {
      this.removeAll();
      // Each kept connection tells its remote our new id, and asks for theirs.
      for (const link of this.kept.all()) link.sendPeerId(identity.peerId, true);
    }
    if (this.options.iceServers) {
      if (!identity.resumed) this.ice.use(this.options.iceServers);
    } else if (identity.iceServers) {
      // A resume brings fresh credentials too.
      this.ice.use(identity.iceServers);
    } else if (!identity.resumed && this.options.iceServersUrl) {
      await this.ice.refresh();
    }
  }

  private onMembers(members: PeerInfo[]): void {
    const present = new Set(members.map((m) => m.id));
    for (const id of [...this.links.keys()]) if (!present.has(id)) this.removePeer(id);
    for (const id of this.kept.waitingIds()) if (!present.has(id)) this.kept.forget(id);
    // The newcomer starts the negotiation with everyone already there.
    for (const member of members) this.ensureLink(member, true);
  }

  private ensureLink(peer: PeerInfo, initiate: boolean): PeerLink | undefined {
    if (this.client.peerId === null || peer.id === this.client.peerId) return undefined;
    const existing = this.links.get(peer.id);
    if (existing) return existing;
    const kept = this.kept.match(peer, initiate);
    if (kept === 'waiting') return undefined;
    if (kept) {
      this.handOver(kept, peer);
      return kept;
    }
    return this.createLink(peer, initiate);
  }

  /** A kept connection whose remote confirmed it is `peer` carries on as the link to `peer`. */
  private handOver(link: PeerLink, peer: PeerInfo): void {
    const previousId = link.peer.id;
    link.rekey(peer);
    this.links.set(peer.id, link);
    this.emit('peer-rekeyed', { peer, previousId });
  }

  private createLink(peer: PeerInfo, initiate: boolean): PeerLink | undefined {
    const localId = this.client.peerId;
    if (localId === null || peer.id === localId || this.links.has(peer.id)) return this.links.get(peer.id);
    const client = this.client;
    // Signals go to the link's current peer id, which changes if the peer is rekeyed.
    const link: PeerLink = new PeerLink(
      peer,
      localId,
      { ...this.options.rtcConfiguration, iceServers: this.ice.current },
      {
        offer: (d) => client.sendOffer(link.peer.id, { type: 'offer', sdp: d.sdp ?? '' }),
        answer: (d) => client.sendAnswer(link.peer.id, { type: 'answer', sdp: d.sdp ?? '' }),
        candidate: (c) => client.sendCandidate(link.peer.id, c),
      },
      this.observer,
      {
        PeerConnection: this.options.RTCPeerConnection,
        restartDisconnectedAfterMs: this.options.restartDisconnectedAfterMs,
      },
    );
    this.links.set(peer.id, link);
    this.emit('peer-added', { peer, link });
    for (const [track, streams] of this.localTracks) link.addTrack(track, streams);
    if (initiate) {
      for (const { label, ...init } of this.options.dataChannels ?? []) link.createDataChannel(label, init);
    }
    return link;
  }

  private onSignal(message: SignalMessage): void {
    // Signals come only from peers of our room, and the server announces a peer before it can signal.
    const link = this.links.get(message.fromPeerId);
    if (link) link.handleSignal(message);
    else this.kept.holdSignal(message);
  }

  private removePeer(peerId: string): void {
    this.kept.forget(peerId);
    const link = this.links.get(peerId);
    if (!link) return;
    this.links.delete(peerId);
    this.closeLink(link);
  }

  private closeLink(link: PeerLink): void {
    link.close();
    this.emit('peer-removed', { peer: link.peer });
  }

  private removeAll(): void {
    for (const id of [...this.links.keys()]) this.removePeer(id);
  }

  /** The session is being re-created (server restart): keep every connection for its peer's return. */
  private keepAll(): void {
    for (const link of this.links.values()) this.kept.keep(link);
    this.links.clear();
  }

  private closeKept(): void {
    for (const link of this.kept.clear()) this.closeLink(link);
  }

  private readonly observer: LinkObserver = {
    state: (link, state) => {
      if (this.links.get(link.peer.id) === link || state === 'closed') {
        this.emit('peer-state', { peer: link.peer, state });
      }
    },
    channel: (link, channel) => this.emit('channel', { peer: link.peer, channel }),
    track: (link, event) =>
      this.emit('track', { peer: link.peer, track: event.track, streams: event.streams }),
    error: (link, error) => this.emit('error', { peer: link.peer, error }),
    // A restart allocates anew on the TURN server: with credentials as fresh as can be had.
    beforeIceRestart: async () => {
      if (!this.options.iceServers && (this.ice.expiring || this.options.iceServersUrl))
        await this.ice.refresh();
    },
    iceRestart: (link, reason) => this.emit('ice-restart', { peer: link.peer, reason }),
    remotePeerId: (link, peerId, ask) => {
      const own = this.client.peerId;
      if (ask && own !== null) link.sendPeerId(own, false);
      this.schedule(() => this.kept.confirmed(link, peerId));
    },
  };
}
