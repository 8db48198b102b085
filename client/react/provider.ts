/**
 * `<SignalroomProvider>`: one SignalingClient and its PeerMesh for the components below it, made
 * when it mounts and closed when it unmounts (or brought by the app, and then left open).
 */
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react';
import { PeerMesh, type PeerMeshOptions } from '../peer-mesh.js';
import { SignalingClient } from '../signaling-client.js';
import type { SignalingClientOptions } from '../signaling-types.js';
import { SignalroomStore } from './signalroom-store.js';

/** Props of {@link SignalroomProvider}: a `url` (and options) to connect to, or a `client` and `mesh` of the app's. */
export interface SignalroomProviderProps {
  /** The signaling server's WebSocket URL, e.g. `wss://example.com/ws`. */
  url?: string;
  /** Other options of the client the provider makes (read when it is made). */
  clientOptions?: Omit<SignalingClientOptions, 'url'>;
  /** Options of the mesh the provider makes (read when it is made), e.g. `{ dataChannels: [{ label: 'chat' }] }`. */
  meshOptions?: PeerMeshOptions;
  /** A client of the app's own, instead of `url`; the provider does not close it. */
  client?: SignalingClient;
  /** With `client`: its mesh (default: one the provider makes and closes). */
  mesh?: PeerMesh;
  children?: ReactNode;
}

const StoreContext = createContext<SignalroomStore | null>(null);

/**
 * Provides a client and its mesh to the hooks below. Nothing below renders until they exist (right
 * after the first mount); a new `url` or `client` makes new ones. Connecting, identifying and
 * joining stay the app's calls: `useSignalroom().client.connect()` and so on.
 */
export function SignalroomProvider(props: SignalroomProviderProps): ReactNode {
  const { url, client: ownClient, mesh: ownMesh } = props;
  const [store, setStore] = useState<SignalroomStore | null>(null);
  useEffect(() => {
    // Made in the effect, not during render, so StrictMode's second mount gets a fresh pair.
    const client = ownClient ?? makeClient(url, props.clientOptions);
    const mesh = ownMesh ?? new PeerMesh(client, props.meshOptions);
    const made = new SignalroomStore(client, mesh);
    setStore(made);
    return () => {
      made.close();
      if (!ownMesh) mesh.close();
      if (!ownClient) client.close();
    };
    // Options are read once, when the pair is made: inline objects must not make a new pair each render.
  }, [url, ownClient, ownMesh]);
  if (!store) return null;
  return createElement(StoreContext.Provider, { value: store }, props.children);
}

function makeClient(
  url: string | undefined,
  options: Omit<SignalingClientOptions, 'url'> | undefined,
): SignalingClient {
  if (url === undefined) throw new TypeError('SignalroomProvider: give a url or a client');
  return new SignalingClient({ ...options, url });
}

/** The store of the nearest provider; throws outside one. */
export function useSignalroomStore(): SignalroomStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('signalroom hooks must be used inside <SignalroomProvider>');
  return store;
}
