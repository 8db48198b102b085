/**
 * The relay budget: how many signals (SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE) one session may send.
 * It grows with the sender's room, because a joiner legitimately sends every member an offer and a
 * few candidates within about a second: 6 or so signals per member, ~300 in a full room of 50.
 *
 * - A token bucket whose size and refill grow with the other members of the sender's room (`p`):
 *   `burst + perPeerBurst × p` at once, `perSecond + perPeerPerSecond × p` a second after that.
 *   A fresh session's bucket is full for the room it first signals in; each newcomer to its room
 *   adds `perPeerBurst` tokens (for answering the newcomer's offer), its own joins add none.
 * - Hold-off: once a signal is refused, every later signal of the session is refused until the
 *   client has kept quiet (sent no signal) for {@link QUIET_MS} and the bucket has refilled
 *   halfway. So the refused signals are always everything the client sent from the first refused
 *   one until it heard of the refusal, and sending them again in order, after `retryAfterMs`,
 *   keeps the order of signals per sender → target.
 * - A sender that keeps going is closed (1008): another bucket's worth refused once it has had
 *   {@link QUIET_MS} to hear of the first refusal, or four buckets' worth before that (what a
 *   client sends before the refusal reaches it is not held against it, up to a point).
 *
 * Plain numbers on the session, no timer, no allocation: the state can follow the session (resume).
 */
import type { OutFrame } from '../../protocol/frame.js';

/** The per-peer growth of the relay budget; the base is the message limits' rate and burst. */
export interface RelayLimits {
  /** Signals per second for a peer alone in its room (or in none). */
  perSecond: number;
  /** Signals at once for a peer alone in its room (or in none). */
  burst: number;
  /** Extra signals per second for each other member of the sender's room. */
  perPeerPerSecond: number;
  /** Extra signals at once for each other member of the sender's room. */
  perPeerBurst: number;
}

/** The numbers a session keeps for its relay budget (all start at 0: a full bucket, no hold). */
export interface RelayState {
  /** Signal tokens left at `relayTokensAt`. */
  relayTokens: number;
  /** When `relayTokens` was last computed (ms); 0 before the first signal, meaning a full bucket. */
  relayTokensAt: number;
  /** Signals refused in the current episode. */
  relayStrikes: number;
  /** Signals are refused until this time (ms); 0: no hold. */
  relayHoldUntil: number;
  /** When the current episode's first signal was refused (ms). */
  relayRefusedAt: number;
  /** The other members of the session's room, as the session was told (joins and leaves). */
  roomPeers: number;
}

/**
 * How long a refused client must send no signal before the hold ends (ms). It covers the signals
 * a client sent before the refusal reached it: they arrive at most a round trip later, each one
 * extending the hold, so none slips through ahead of the refused ones the client sends again.
 */
export const QUIET_MS = 1000;

/**
 * How full the bucket must be again before a hold ends: refused signals can then go again, this
 * much of them at once ({@link retryPace}).
 */
const HOLD_END_LEVEL = 0.5;

/** What to do with a signal: `accept`, refuse it (`refuse`), or refuse it and close the sender. */
export type RelayVerdict = 'accept' | 'refuse' | 'close';

/** The bucket's size for a session with `peers` other members in its room. */
export function relayBurst(limits: RelayLimits, peers: number): number {
  return limits.burst + limits.perPeerBurst * peers;
}

/** The bucket's refill per second for a session with `peers` other members in its room. */
export function relayRate(limits: RelayLimits, peers: number): number {
  return limits.perSecond + limits.perPeerPerSecond * peers;
}

/** Take a token for one signal at time `now` (ms). After `refuse`, {@link retryAfterMs} says when to send again. */
export function takeRelayToken(state: RelayState, now: number, limits: RelayLimits): RelayVerdict {
  const burst = relayBurst(limits, state.roomPeers);
  const rate = relayRate(limits, state.roomPeers);
  state.relayTokens = refilled(state, now, limits);
  state.relayTokensAt = now;
  if (now < state.relayHoldUntil) {
    // Still holding: a signal now was sent before the client heard, or by one that does not listen.
    state.relayHoldUntil = Math.max(state.relayHoldUntil, now + QUIET_MS);
    return strike(state, burst, now);
  }
  // An episode ends once the hold is over and the bucket has refilled halfway.
  if (state.relayStrikes > 0 && state.relayTokens >= burst * HOLD_END_LEVEL) state.relayStrikes = 0;
  if (state.relayTokens >= 1) {
    state.relayTokens -= 1;
    return 'accept';
  }
  const refill = ((burst * HOLD_END_LEVEL - state.relayTokens) * 1000) / rate;
  state.relayHoldUntil = now + Math.max(QUIET_MS, Math.ceil(refill));
  if (state.relayStrikes === 0) state.relayRefusedAt = now;
  return strike(state, burst, now);
}

/** After a refusal at `now`: how long until the client may send signals again (ms). */
export function retryAfterMs(state: RelayState, now: number): number {
  return Math.max(0, state.relayHoldUntil - now);
}

/**
 * After a refusal: how many signals may go at once when the hold ends (it ends with the bucket
 * that full), and how many a second after those. A client holding more paces them to it: sent all
 * at once they would be refused again and, past four buckets' worth, closed as a flood.
 */
export function retryPace(state: RelayState, limits: RelayLimits): { atOnce: number; perSecond: number } {
  return {
    atOnce: relayBurst(limits, state.roomPeers) * HOLD_END_LEVEL,
    perSecond: relayRate(limits, state.roomPeers),
  };
}

/** The session joined a room with `members` others, or left its room (0). */
export function setRoomPeers(state: RelayState, members: number): void {
  state.roomPeers = members;
}

/**
 * Someone joined the session's room: one more member to signal, and the tokens to signal it (the
 * newcomer's offer is answered with an answer and a few candidates). Only others' joins grant
 * tokens: a session's own join does not, so joining and leaving again earns nothing.
 */
export function peerJoined(state: RelayState, now: number, limits: RelayLimits): void {
  if (state.relayTokensAt !== 0) {
    state.relayTokens = refilled(state, now, limits);
    state.relayTokensAt = now;
  }
  state.roomPeers++;
  // A fresh bucket (relayTokensAt 0) is full at whatever size the room has when first used.
  if (state.relayTokensAt !== 0) {
    state.relayTokens = Math.min(
      relayBurst(limits, state.roomPeers),
      state.relayTokens + limits.perPeerBurst,
    );
  }
}

/** Someone left the session's room. Events missed while the session was held are not counted; the next join counts afresh. */
export function peerLeft(state: RelayState): void {
  state.roomPeers = Math.max(0, state.roomPeers - 1);
}

/** Count the room events among the frames delivered to a session: its room grew or shrank. */
export function noteDelivered(
  state: RelayState,
  frame: OutFrame,
  clock: () => number,
  limits: RelayLimits,
): void {
  // The clock is read only for a room event to a session that has used its bucket: this runs for
  // every frame delivered, and a join storm delivers n² room events to sessions that never relayed.
  if (frame.kind !== 'room-event') return;
  if (frame.type === 'NEW_PEER_IN_ROOM') peerJoined(state, state.relayTokensAt === 0 ? 0 : clock(), limits);
  else peerLeft(state);
}

/** The bucket's tokens at `now`, refilled since `relayTokensAt` (0: never used, so full). */
function refilled(state: RelayState, now: number, limits: RelayLimits): number {
  const burst = relayBurst(limits, state.roomPeers);
  if (state.relayTokensAt === 0) return burst;
  const rate = relayRate(limits, state.roomPeers);
  return Math.min(burst, state.relayTokens + ((now - state.relayTokensAt) * rate) / 1000);
}

function strike(state: RelayState, burst: number, now: number): RelayVerdict {
  state.relayStrikes++;
  const heard = now - state.relayRefusedAt >= QUIET_MS;
  return state.relayStrikes > (heard ? burst : 4 * burst) ? 'close' : 'refuse';
}
