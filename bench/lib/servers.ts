/** The servers under test: how to start each, and which protocol the load generator speaks to it. */
import type { ProtocolName } from '../load/protocols.js';

/** A server kind the bench can start. */
export interface ServerKind {
  /** Short id used in results and tables. */
  id: ServerId;
  /** Name for humans. */
  label: string;
  /** Entry script, relative to the repository root. */
  entry: string;
  protocol: ProtocolName;
  /** True when it has rooms (join storm). */
  rooms: boolean;
}

/** The ids of the servers under test. */
export type ServerId = 'signalroom' | 'raw' | 'naive' | 'peerjs';

/** Every server, signalroom first. */
export const SERVERS: Record<ServerId, ServerKind> = {
  signalroom: {
    id: 'signalroom',
    label: 'signalroom',
    entry: 'bench/servers/signalroom.ts',
    protocol: 'signalroom',
    rooms: true,
  },
  raw: {
    id: 'raw',
    label: 'raw ws forwarder',
    entry: 'bench/baselines/raw-forwarder.ts',
    protocol: 'raw',
    rooms: false,
  },
  naive: {
    id: 'naive',
    label: 'naive server',
    entry: 'bench/baselines/naive-server.ts',
    protocol: 'signalroom',
    rooms: true,
  },
  peerjs: {
    id: 'peerjs',
    label: 'PeerJS server',
    entry: 'bench/baselines/peerjs-server.ts',
    protocol: 'peerjs',
    rooms: false,
  },
};
