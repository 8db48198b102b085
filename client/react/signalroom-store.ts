/**
 * What the React hooks read, kept outside React: the client's state, identity and room, and the
 * mesh's peers with their connection state, data channels and remote tracks. It follows the
 * client and mesh from the moment it is made, so a component mounted later still sees channels
 * and tracks that arrived before it. Snapshots are immutable and change only when something did,
 * as `useSyncExternalStore` requires.
 */
import type { PeerInfo } from '../../protocol/messages.js';
import type { PeerLink } from '../peer-link.js';
import type { PeerMesh } from '../peer-mesh.js';
import type { SignalingClient } from '../signaling-client.js';
import type { ConnectionState, Identity } from '../signaling-types.js';
import type {
  MediaStream,
  MediaStreamTrack,
  RTCDataChannel,
  RTCPeerConnectionState,
} from '../webrtc-types.js';

/** Where the signaling connection stands. */
export interface SignalingSnapshot {
  readonly state: ConnectionState;
  /** Who this client is, once identified. */
  readonly identity: Identity | null;
  /** The room the client is in, if any. */
  readonly roomId: string | null;
}

/** A remote media track and the streams it belongs to. */
export interface RemoteTrack {
  readonly track: MediaStreamTrack;
  readonly streams: readonly MediaStream[];
}

/** One other peer of the room, as the hooks show it. */
export interface PeerView extends PeerInfo {
  /** The state of the RTCPeerConnection to this peer. */
  readonly state: RTCPeerConnectionState;
  /** Data channels to this peer by label (any state; see `readyState`). */
  readonly channels: ReadonlyMap<string, RTCDataChannel>;
  /** Media tracks this peer sends. */
  readonly tracks: readonly RemoteTrack[];
  /** The negotiated connection, for what the hooks do not cover. */
  readonly link: PeerLink;
}

interface LinkMedia {
  channels: Map<string, RTCDataChannel>;
  tracks: RemoteTrack[];
}

/** Called with a message on a data channel and the peer it came from. */
export type ChannelMessageListener = (message: { peer: PeerView; data: unknown }) => void;

/** The state of one client and its mesh, for `useSyncExternalStore`. */
export class SignalroomStore {
  private readonly media = new Map<PeerLink, LinkMedia>();
  private readonly listeners = new Set<() => void>();
  private readonly messageListeners = new Map<string, Set<ChannelMessageListener>>();
  private readonly unsubscribe: Array<() => void>;
  private signaling: SignalingSnapshot;
  private peerViews: readonly PeerView[] | null = null;

  constructor(
    readonly client: SignalingClient,
    readonly mesh: PeerMesh,
  ) {
    this.signaling = this.readSignaling();
    const signalingChanged = () => {
      this.signaling = this.readSignaling();
      this.notify();
    };
    const peersChanged = () => this.changed();
    this.unsubscribe = [
      client.on('state', signalingChanged),
      client.on('identified', signalingChanged),
      client.on('members', signalingChanged),
      client.on('room-left', signalingChanged),
      mesh.on('peer-added', peersChanged),
      mesh.on('peer-state', peersChanged),
      mesh.on('peer-rekeyed', peersChanged),
      mesh.on('peer-removed', ({ peer }) => this.forget(peer)),
      mesh.on('channel', ({ peer, channel }) => this.addChannel(peer, channel)),
      mesh.on('track', ({ peer, track, streams }) => this.addTrack(peer, { track, streams })),
    ];
  }

  /** Call `listener` after every change; returns the function that stops it. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The signaling state, identity and room. */
  readonly getSignaling = (): SignalingSnapshot => this.signaling;

  /** The other peers of the room, in the order they were added. */
  readonly getPeers = (): readonly PeerView[] => {
    this.peerViews ??= this.mesh.peers().map((link) => this.view(link));
    return this.peerViews;
  };

  /** Stop following the client and mesh (they stay as they are). */
  close(): void {
    for (const off of this.unsubscribe) off();
    this.listeners.clear();
  }

  private view(link: PeerLink): PeerView {
    const media = this.media.get(link);
    return {
      id: link.peer.id,
      username: link.peer.username,
      state: link.pc.connectionState,
      channels: new Map(media?.channels),
      tracks: [...(media?.tracks ?? [])],
      link,
    };
  }

  private mediaOf(peer: PeerInfo): LinkMedia | null {
    const link = this.mesh.get(peer.id);
    if (!link) return null;
    let media = this.media.get(link);
    if (!media) {
      media = { channels: new Map(), tracks: [] };
      this.media.set(link, media);
    }
    return media;
  }

  /**
   * Call `listener` with every message on a data channel labelled `label`, to any peer; returns
   * the function that stops it. The store listens on each channel from the moment the mesh makes
   * it, so a subscriber misses no message that arrives before a render could attach its own.
   */
  onChannelMessage(label: string, listener: ChannelMessageListener): () => void {
    let listeners = this.messageListeners.get(label);
    if (!listeners) {
      listeners = new Set();
      this.messageListeners.set(label, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) this.messageListeners.delete(label);
    };
  }

  private addChannel(peer: PeerInfo, channel: RTCDataChannel): void {
    const media = this.mediaOf(peer);
    if (!media) return;
    media.channels.set(channel.label, channel);
    const link = this.mesh.get(peer.id);
    channel.addEventListener('message', (event: MessageEvent) => {
      const listeners = this.messageListeners.get(channel.label);
      if (!listeners) return;
      // The peer as the hooks show it now (its id may have changed since: a re-keyed peer).
      const view = this.getPeers().find((p) => p.link === link);
      if (!view) return;
      for (const listener of listeners) listener({ peer: view, data: event.data });
    });
    // Listeners, not on… handlers: those belong to the app.
    channel.addEventListener('open', () => this.changed());
    channel.addEventListener('close', () => {
      if (media.channels.get(channel.label) === channel) media.channels.delete(channel.label);
      this.changed();
    });
    this.changed();
  }

  private addTrack(peer: PeerInfo, remote: RemoteTrack): void {
    const media = this.mediaOf(peer);
    if (!media) return;
    media.tracks.push(remote);
    const remove = () => {
      const at = media.tracks.indexOf(remote);
      if (at === -1) return;
      media.tracks.splice(at, 1);
      this.changed();
    };
    remote.track.addEventListener('ended', remove);
    // A track the peer stops sending leaves its streams (it is not always ended).
    for (const stream of remote.streams)
      stream.addEventListener('removetrack', (event) => {
        if (event.track === remote.track) remove();
      });
    this.changed();
  }

  private forget(peer: PeerInfo): void {
    for (const link of this.media.keys()) if (link.peer === peer) this.media.delete(link);
    this.changed();
  }

  private readSignaling(): SignalingSnapshot {
    const { state, identified, roomId } = this.client;
    const last = this.signaling as SignalingSnapshot | undefined;
    if (last && last.state === state && last.identity === identified && last.roomId === roomId) return last;
    return { state, identity: identified, roomId };
  }

  private changed(): void {
    this.peerViews = null;
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
