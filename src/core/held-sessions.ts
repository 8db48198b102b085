/**
 * Peers of this node whose connection dropped, held for resume: what arrives for them is queued
 * (bounded), and one timer per held peer ends the grace period. Held peers are few (only those
 * between a drop and their return), so a timer each is cheap, and live sessions carry none of this.
 */
import type { HeldState, ResumeRecord } from '../backend/backend.js';
import type { ReplayLog } from './replay-log.js';

/** One held peer. */
export interface HeldSession {
  /** Who the peer is; `roomId` is final once `ready` resolves (a step may be running at the drop). */
  readonly record: ResumeRecord;
  readonly replay: ReplayLog;
  /** Resolves once the record is saved (or the hold given up). */
  ready: Promise<void>;
  readonly queued: string[];
  queuedBytes: number;
  lostEvents: boolean;
  timer: NodeJS.Timeout | null;
}

/** Bounds of a held peer's queue. */
export interface QueueBounds {
  maxMessages: number;
  maxBytes: number;
}

/** Called with a frame dropped from a full queue (the oldest), so its sender can be told. */
export type OverflowHandler = (held: HeldSession, dropped: string) => void;

/** The held peers of this node, by peer id. */
export class HeldSessions {
  private readonly held = new Map<string, HeldSession>();

  constructor(
    private readonly bounds: QueueBounds,
    private readonly onOverflow: OverflowHandler,
  ) {}

  /** Start holding a peer. */
  add(record: ResumeRecord, replay: ReplayLog, queued: string[] = []): HeldSession {
    const held: HeldSession = {
      record,
      replay,
      ready: Promise.resolve(),
      queued: [],
      queuedBytes: 0,
      lostEvents: false,
      timer: null,
    };
    this.held.set(record.peerId, held);
    for (const frame of queued) this.enqueue(record.peerId, frame);
    return held;
  }

  /** The held peer with this id, if any. */
  get(peerId: string): HeldSession | undefined {
    return this.held.get(peerId);
  }

  /** Queue a frame for a held peer; false when the peer is not held here. */
  enqueue(peerId: string, frame: string): boolean {
    const held = this.held.get(peerId);
    if (!held) return false;
    held.queued.push(frame);
    held.queuedBytes += Buffer.byteLength(frame);
    while (
      held.queued.length > this.bounds.maxMessages ||
      (held.queuedBytes > this.bounds.maxBytes && held.queued.length > 1)
    ) {
      const dropped = held.queued.shift() as string;
      held.queuedBytes -= Buffer.byteLength(dropped);
      this.onOverflow(held, dropped);
    }
    return true;
  }

  /** Stop holding a peer (clearing its timer) and return its state; `null` when not held. */
  release(peerId: string): HeldState | null {
    const held = this.held.get(peerId);
    if (!held) return null;
    this.remove(held);
    return {
      inCount: held.replay.inCount,
      outCount: held.replay.outCount,
      replay: held.replay.tail(),
      queued: held.queued,
      lostEvents: held.lostEvents,
    };
  }

  /** Forget a held peer (only if `held` is still the entry for its id) and clear its timer. */
  remove(held: HeldSession): void {
    if (held.timer) clearTimeout(held.timer);
    held.timer = null;
    if (this.held.get(held.record.peerId) === held) this.held.delete(held.record.peerId);
  }

  /** Every held peer (a copy, safe to iterate while removing). */
  all(): HeldSession[] {
    return [...this.held.values()];
  }

  /** How many peers are held and how many frames wait for them. */
  size(): { held: number; queued: number } {
    let queued = 0;
    for (const h of this.held.values()) queued += h.queued.length;
    return { held: this.held.size, queued };
  }
}
