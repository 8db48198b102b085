/**
 * The node-wide memory budget of held peers: the bytes of their replay logs and queues together,
 * and the order in which frames were queued for them, so that what is over the budget is dropped
 * oldest first, across all held peers, rather than the newest frame or one peer's queue.
 *
 * The order is one entry per queued frame. A frame can also leave its queue by another way (the
 * peer's own queue bound, a resume, an expiry): its entry then goes stale and is skipped when it
 * reaches the front, and stale entries are swept once they outnumber the live ones, so the list
 * stays proportional to what is queued.
 */

/** What the budget needs to know of a held peer's queue. */
export interface BudgetedQueue {
  /** Frames waiting, oldest first. */
  readonly queued: string[];
  /** Frames ever queued for the peer: the oldest waiting one is number `queuedTotal - queued.length`. */
  queuedTotal: number;
  /** False once the peer is no longer held (its entries are stale). */
  held: boolean;
}

interface Entry<Q extends BudgetedQueue> {
  queue: Q;
  /** The frame's number in its queue (see {@link BudgetedQueue.queuedTotal}). */
  seq: number;
}

/** Sweep stale entries once there are more than this many beyond twice the live ones. */
const SWEEP_SLACK = 64;

/** Bytes held for held peers on this node, and their queued frames in arrival order. */
export class HeldBudget<Q extends BudgetedQueue> {
  private used = 0;
  private order: Entry<Q>[] = [];
  private head = 0;
  /** Frames waiting in the queues of held peers (the live entries). */
  private live = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes counted now. */
  get bytes(): number {
    return this.used;
  }

  /** True while more is held than the budget allows. */
  get over(): boolean {
    return this.used > this.maxBytes;
  }

  /** Count `bytes` more (a replay log at the start of a hold). */
  add(bytes: number): void {
    this.used += bytes;
  }

  /** Count `bytes` less. */
  release(bytes: number): void {
    this.used -= bytes;
  }

  /** A frame of `bytes` was queued for `queue` (its `queuedTotal` already counts it). */
  queued(queue: Q, bytes: number): void {
    this.used += bytes;
    this.live++;
    this.order.push({ queue, seq: queue.queuedTotal - 1 });
  }

  /** `count` frames of `bytes` left their queues (delivered, handed over, dropped). */
  dequeued(count: number, bytes: number): void {
    this.used -= bytes;
    this.live -= count;
    if (this.order.length - this.head > 2 * this.live + SWEEP_SLACK) this.sweep();
  }

  /** The queue whose oldest waiting frame was queued first of all, or `null` when nothing waits. */
  oldest(): Q | null {
    while (this.head < this.order.length) {
      const entry = this.order[this.head] as Entry<Q>;
      if (isLive(entry)) return entry.queue;
      this.head++;
    }
    this.order = [];
    this.head = 0;
    return null;
  }

  /** Entries in the order list (live and stale), for leak checks. */
  entries(): number {
    return this.order.length - this.head;
  }

  private sweep(): void {
    this.order = this.order.slice(this.head).filter(isLive);
    this.head = 0;
  }
}

/** True while the entry's frame still waits in its queue. */
function isLive(entry: Entry<BudgetedQueue>): boolean {
  const q = entry.queue;
  return q.held && entry.seq >= q.queuedTotal - q.queued.length;
}
