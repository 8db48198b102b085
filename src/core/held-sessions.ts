/**
 * Peers of this node whose connection dropped, held for resume: what arrives for them is queued
 * (bounded), and one timer per held peer ends the grace period. Held peers are few (only those
 * between a drop and their return), so a timer each is cheap, and live sessions carry none of this.
 *
 * A held peer no longer counts as a connection, so holds have limits of their own: per client IP
 * and per node (the oldest hold makes room for a new one), and a node-wide byte budget for the
 * replay logs and queues of all held peers (over it, the oldest queued frames are dropped first,
 * then the oldest holds end). A hold ended by a limit is handed to `onEvict`.
 */
import type { HeldState, ResumeRecord } from '../backend/backend.js';
import type { OutFrame } from '../../protocol/frame.js';
import { BudgetedQueue, HeldBudget } from './held-budget.js';
import type { ReplayLog } from './replay-log.js';

/** One held peer. */
export interface HeldSession {
  /** Who the peer is; `roomId` is final once `ready` resolves (a step may be running at the drop). */
  readonly record: ResumeRecord;
  readonly replay: ReplayLog;
  /** The client address of the connection that dropped, for the per-IP limit. */
  readonly ip: string;
  /** Resolves once the record is saved (or the hold given up). */
  ready: Promise<void>;
  /** What arrived for the peer meanwhile, in the node's budget. */
  readonly queue: BudgetedQueue<HeldSession>;
  /** The replay log's bytes when the hold began, as counted in the budget. */
  readonly replayBytes: number;
  lostEvents: boolean;
  /** The session's budgets at the drop (session-budgets.ts), handed on with the state; `null`: none. */
  readonly budgets: number[] | null;
  timer: NodeJS.Timeout | null;
}

/** Bounds of a held peer's queue. */
export interface QueueBounds {
  maxMessages: number;
  maxBytes: number;
}

/** Limits on all the holds of this node (docs/security.md). */
export interface HeldLimits {
  /** Held peers on this node. */
  maxHeld: number;
  /** Held peers whose connection came from one client IP. */
  maxHeldPerIp: number;
  /** Bytes of the replay logs and queues of all held peers together. */
  maxBytes: number;
}

/** Which limit ended a hold. */
export type EvictionCause = 'held-per-ip' | 'held-per-node' | 'held-memory';

/** Called with a frame dropped from a queue (the oldest), so its sender can be told. */
export type OverflowHandler = (held: HeldSession, dropped: OutFrame) => void;

/** Called with a hold a limit ended (already removed here); the peer must be ended for good. */
export type EvictionHandler = (held: HeldSession, cause: EvictionCause) => void;

/** The held peers of this node, by peer id. */
export class HeldSessions {
  /** In the order the holds began: the first is the oldest. */
  private readonly held = new Map<string, HeldSession>();
  /** The holds of each client IP, oldest first. */
  private readonly byIp = new Map<string, Set<HeldSession>>();
  private readonly budget: HeldBudget<HeldSession>;

  constructor(
    private readonly bounds: QueueBounds,
    private readonly limits: HeldLimits,
    private readonly onOverflow: OverflowHandler,
    private readonly onEvict: EvictionHandler,
  ) {
    this.budget = new HeldBudget(limits.maxBytes);
  }

  /** Start holding a peer, ending the oldest holds first if its IP or the node is at its limit. */
  add(
    record: ResumeRecord,
    replay: ReplayLog,
    ip: string,
    queued: readonly OutFrame[] = [],
    budgets: number[] | null = null,
  ): HeldSession {
    const ofIp = this.byIp.get(ip);
    while (ofIp && ofIp.size >= this.limits.maxHeldPerIp) this.evict(first(ofIp), 'held-per-ip');
    while (this.held.size >= this.limits.maxHeld) this.evict(first(this.held.values()), 'held-per-node');
    // A held peer's log no longer grows: the budget counts its bytes, so it holds no slack.
    replay.compact();
    const held: HeldSession = {
      record,
      replay,
      ip,
      ready: Promise.resolve(),
      queue: new BudgetedQueue<HeldSession>(null),
      replayBytes: replay.bytes,
      lostEvents: false,
      budgets,
      timer: null,
    };
    held.queue.owner = held;
    this.held.set(record.peerId, held);
    let holds = this.byIp.get(ip);
    if (!holds) this.byIp.set(ip, (holds = new Set()));
    holds.add(held);
    this.budget.add(held.replayBytes);
    for (const frame of queued) this.push(held, frame);
    // The new hold is not ended to make room: its `ready` is not set yet, and it is the newest.
    this.trim(held);
    return held;
  }

  /** The held peer with this id, if any. */
  get(peerId: string): HeldSession | undefined {
    return this.held.get(peerId);
  }

  /** Queue a frame for a held peer; false when the peer is not held here. */
  enqueue(peerId: string, frame: OutFrame): boolean {
    const held = this.held.get(peerId);
    if (!held) return false;
    this.push(held, frame);
    this.trim(null);
    return true;
  }

  /** Stop holding a peer (clearing its timer) and return its state; `null` when not held. */
  release(peerId: string): HeldState | null {
    const held = this.held.get(peerId);
    if (!held) return null;
    const state: HeldState = {
      inCount: held.replay.inCount,
      outCount: held.replay.outCount,
      replay: held.replay.tail(),
      // Texts: the state may go to another node.
      queued: held.queue.frames.map((frame) => frame.text),
      lostEvents: held.lostEvents,
    };
    if (held.budgets) state.budgets = held.budgets;
    this.remove(held);
    return state;
  }

  /** Forget a held peer (only if `held` is still the entry for its id) and clear its timer. */
  remove(held: HeldSession): void {
    if (held.timer) clearTimeout(held.timer);
    held.timer = null;
    if (this.held.get(held.record.peerId) !== held) return;
    this.held.delete(held.record.peerId);
    const holds = this.byIp.get(held.ip);
    holds?.delete(held);
    if (holds?.size === 0) this.byIp.delete(held.ip);
    this.budget.release(held.replayBytes);
    this.budget.detach(held.queue);
  }

  /** Every held peer (a copy, safe to iterate while removing). */
  all(): HeldSession[] {
    return [...this.held.values()];
  }

  /** How many peers are held, how many frames wait for them, and what the budget counts. */
  size(): { held: number; queued: number; heldIps: number; budgetBytes: number; budgetEntries: number } {
    let queued = 0;
    for (const h of this.held.values()) queued += h.queue.frames.length;
    return {
      held: this.held.size,
      queued,
      heldIps: this.byIp.size,
      budgetBytes: this.budget.bytes,
      budgetEntries: this.budget.entries(),
    };
  }

  /** Queue a frame within the peer's own bounds (its oldest frames make room). */
  private push(held: HeldSession, frame: OutFrame): void {
    const queue = held.queue;
    this.budget.push(queue, frame);
    while (
      queue.frames.length > this.bounds.maxMessages ||
      (queue.bytes > this.bounds.maxBytes && queue.frames.length > 1)
    ) {
      this.dropOldest(held);
    }
  }

  /**
   * Over the budget: drop the oldest queued frames of all held peers, then end the oldest holds
   * (never `spare`). One hold alone always fits: the config requires a budget of at least one
   * full replay log and queue.
   */
  private trim(spare: HeldSession | null): void {
    while (this.budget.over) {
      const oldest = this.budget.oldest()?.owner;
      if (oldest) {
        this.dropOldest(oldest);
        continue;
      }
      const victim = this.oldestHold(spare);
      if (!victim) return;
      this.evict(victim, 'held-memory');
    }
  }

  private oldestHold(except: HeldSession | null): HeldSession | null {
    for (const held of this.held.values()) if (held !== except) return held;
    return null;
  }

  private dropOldest(held: HeldSession): void {
    this.onOverflow(held, this.budget.shift(held.queue));
  }

  private evict(held: HeldSession, cause: EvictionCause): void {
    this.remove(held);
    this.onEvict(held, cause);
  }
}

/** The first (oldest) element of a non-empty collection. */
function first<T>(items: Iterable<T>): T {
  for (const item of items) return item;
  throw new Error('first() of an empty collection');
}
