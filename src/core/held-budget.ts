/**
 * The node-wide memory budget of held peers: the bytes of their replay logs and queues together,
 * and the order in which frames were queued for them, so that what is over the budget is dropped
 * oldest first, across all held peers, rather than the newest frame or one peer's queue.
 *
 * The order is one entry per queued frame. A frame can also leave its queue by another way (the
 * peer's own queue bound, a resume, an expiry): its entry then goes stale and is skipped when it
 * reaches the front; stale entries are swept once they outnumber the live ones (and all of them
 * when nothing is queued), so the list stays proportional to what is queued. A queue whose hold
 * ended is detached (no owner, no frames), so a stale entry keeps nothing of the hold alive.
 */

import type { OutFrame } from '../../protocol/frame.js';

/** The queue of one held peer, as the budget orders it. */
export class BudgetedQueue<O> {
  /** Frames waiting, oldest first. */
  frames: OutFrame[] = [];
  /** Their UTF-8 bytes. */
  bytes = 0;
  /** Frames ever queued here: the oldest waiting one is number `total - frames.length`. */
  total = 0;

  constructor(
    /** The hold this queue belongs to; `null` once it ended. */
    public owner: O | null,
  ) {}
}

interface Entry<O> {
  queue: BudgetedQueue<O>;
  /** The frame's number in its queue (see {@link BudgetedQueue.total}). */
  seq: number;
}

/** Stale entries tolerated beyond twice the live ones before a sweep. */
const SWEEP_SLACK = 64;

/** Bytes held for the held peers of this node, and their queued frames in arrival order. */
export class HeldBudget<O> {
  private used = 0;
  private order: Entry<O>[] = [];
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

  /** Append `frame` to `queue`, counted and ordered. */
  push(queue: BudgetedQueue<O>, frame: OutFrame): void {
    const bytes = Buffer.byteLength(frame.text);
    queue.frames.push(frame);
    queue.bytes += bytes;
    queue.total++;
    this.used += bytes;
    this.live++;
    this.order.push({ queue, seq: queue.total - 1 });
  }

  /** Take the oldest frame out of `queue` (dropped). */
  shift(queue: BudgetedQueue<O>): OutFrame {
    const frame = queue.frames.shift() as OutFrame;
    const bytes = Buffer.byteLength(frame.text);
    queue.bytes -= bytes;
    this.dequeued(1, bytes);
    return frame;
  }

  /** The hold ended: uncount its queue and detach it; returns the frames it had. */
  detach(queue: BudgetedQueue<O>): OutFrame[] {
    const frames = queue.frames;
    this.dequeued(frames.length, queue.bytes);
    queue.owner = null;
    queue.frames = [];
    queue.bytes = 0;
    return frames;
  }

  /** The queue whose oldest waiting frame was queued first of all, or `null` when nothing waits. */
  oldest(): BudgetedQueue<O> | null {
    while (this.head < this.order.length) {
      const entry = this.order[this.head] as Entry<O>;
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

  private dequeued(count: number, bytes: number): void {
    this.used -= bytes;
    this.live -= count;
    const kept = this.order.length - this.head;
    if (this.live === 0) {
      this.order = [];
      this.head = 0;
    } else if (kept > 2 * this.live + SWEEP_SLACK) {
      this.order = this.order.slice(this.head).filter(isLive);
      this.head = 0;
    }
  }
}

/** True while the entry's frame still waits in its queue. */
function isLive(entry: Entry<unknown>): boolean {
  const q = entry.queue;
  return q.owner !== null && entry.seq >= q.total - q.frames.length;
}
