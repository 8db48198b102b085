/**
 * signalroom/react: React bindings of the SDK. `<SignalroomProvider>` makes a client and its mesh;
 * hooks give the signaling state, the room's peers and their connection states, data channels and
 * media tracks. React is an optional peer dependency of signalroom: install it to use these.
 */
export { SignalroomProvider } from './provider.js';
export type { SignalroomProviderProps } from './provider.js';
export {
  useDataChannel,
  useLocalMedia,
  usePeers,
  useRemoteTracks,
  useSignaling,
  useSignalroom,
} from './hooks.js';
export type { DataChannelHandle, PeerChannel, PeerTrack } from './hooks.js';
export { SignalroomStore } from './signalroom-store.js';
export type { PeerView, RemoteTrack, SignalingSnapshot } from './signalroom-store.js';
