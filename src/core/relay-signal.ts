/** The hot path: a signal from one peer handed to another peer of its room, synchronously. */
import { performance } from 'node:perf_hooks';
import type { Backend } from '../backend/backend.js';
import { encodeSignal } from '../../protocol/encode.js';
import type { SignalIn } from '../../protocol/messages.js';
import type { CoreObserver } from './core-observer.js';
import type { Session } from './session.js';
import { SignalError } from './signal-error.js';

/**
 * Relay `msg` (parsed from the text `source`, which the encoder may reuse) to its `toPeerId`.
 * `debug` is decided once by the caller: the per-message line must not build its fields otherwise.
 */
export function relaySignal(
  session: Session,
  msg: SignalIn,
  source: string,
  backend: Backend,
  observer: CoreObserver,
  debug: boolean,
): void {
  const roomId = session.roomId;
  if (roomId === null) throw new SignalError('NOT_IN_ROOM', 'Join a room before sending signals');
  const started = observer.timesRelay ? performance.now() : 0;
  const frame = encodeSignal(session.peerId, msg, source);
  if (msg.toPeerId === session.peerId || !backend.relay(roomId, msg.toPeerId, frame)) {
    throw new SignalError('UNKNOWN_PEER', `No peer '${clip(msg.toPeerId)}' in your room`);
  }
  if (started !== 0) observer.relayTime((performance.now() - started) / 1000);
  if (debug) session.log.debug({ type: msg.type, to: msg.toPeerId, roomId }, 'relay');
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
