/**
 * The React hooks of signalroom: the signaling state, the room's peers with their connection
 * states, data channels and media tracks. Each reads the provider's store through
 * `useSyncExternalStore`, so a component re-renders when, and only when, what it reads changed.
 */
import { useEffect, useMemo, useRef, useSyncExternalStore } from 'react';
import type { PeerMesh } from '../peer-mesh.js';
import type { SignalingClient } from '../signaling-client.js';
import type { MediaStream, RTCDataChannel } from '../webrtc-types.js';
import { useSignalroomStore } from './provider.js';
import type { PeerView, RemoteTrack, SignalingSnapshot } from './signalroom-store.js';

/** The provider's client and mesh, to connect, identify, join, leave or add tracks. */
export function useSignalroom(): { client: SignalingClient; mesh: PeerMesh } {
  const { client, mesh } = useSignalroomStore();
  return useMemo(() => ({ client, mesh }), [client, mesh]);
}

/** The connection state, this client's identity and its room; re-renders when one changes. */
export function useSignaling(): SignalingSnapshot {
  const store = useSignalroomStore();
  return useSyncExternalStore(store.subscribe, store.getSignaling);
}

/** The other peers of the room with their connection state, channels and tracks. */
export function usePeers(): readonly PeerView[] {
  const store = useSignalroomStore();
  return useSyncExternalStore(store.subscribe, store.getPeers);
}

/** A data channel to one peer. */
export interface PeerChannel {
  readonly peer: PeerView;
  readonly channel: RTCDataChannel;
}

/** What {@link useDataChannel} gives. */
export interface DataChannelHandle {
  /** The channels with this label that are open, one per peer. */
  readonly open: readonly PeerChannel[];
  /** Send to every open channel with this label; returns how many peers it went to. */
  send(data: string): number;
}

/**
 * The data channels labelled `label` (opened by the mesh's `dataChannels` option or by
 * `mesh.createDataChannel`); `onMessage` is called for each message on any of them.
 */
export function useDataChannel(
  label: string,
  onMessage?: (message: { peer: PeerView; data: unknown }) => void,
): DataChannelHandle {
  const store = useSignalroomStore();
  const peers = usePeers();
  const latest = useRef(onMessage);
  latest.current = onMessage;
  // Through the store, which listens on every channel from its creation: a listener attached to
  // each channel after a render would miss what arrives between the channel opening and the effect.
  useEffect(() => store.onChannelMessage(label, (message) => latest.current?.(message)), [store, label]);
  const all = useMemo(
    () =>
      peers.flatMap((peer) => {
        const channel = peer.channels.get(label);
        return channel ? [{ peer, channel }] : [];
      }),
    [peers, label],
  );
  return useMemo(() => {
    const open = all.filter(({ channel }) => channel.readyState === 'open');
    return {
      open,
      send(data: string) {
        for (const { channel } of open) channel.send(data);
        return open.length;
      },
    };
  }, [all]);
}

/** A remote track with the peer sending it. */
export interface PeerTrack extends RemoteTrack {
  readonly peer: PeerView;
}

/** Every media track the room's peers send, e.g. to show each in a `<video>`. */
export function useRemoteTracks(): readonly PeerTrack[] {
  const peers = usePeers();
  return useMemo(() => peers.flatMap((peer) => peer.tracks.map((track) => ({ peer, ...track }))), [peers]);
}

/**
 * Send the tracks of `stream` (a camera or microphone from `getUserMedia`) to every peer while the
 * component is mounted and the stream is given; `null` stops sending them.
 */
export function useLocalMedia(stream: MediaStream | null | undefined): void {
  const { mesh } = useSignalroomStore();
  useEffect(() => {
    if (!stream) return;
    const tracks = stream.getTracks();
    for (const track of tracks) mesh.addTrack(track, stream);
    return () => {
      for (const track of tracks) mesh.removeTrack(track);
    };
  }, [mesh, stream]);
}
