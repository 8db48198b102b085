/**
 * The identify timeout of every new connection, on one timer. The timeout is the same for all, so
 * connections reach it in the order they opened: a queue in that order needs one timer, armed for
 * its oldest entry still waiting. A timer per connection (a Timeout, a closure, a clear at
 * identify) was ~1.5% of the server's CPU per connection; a connection that identifies only
 * empties its slot.
 */
import { performance } from 'node:perf_hooks';

/** What the queue holds: something that remembers its slot. */
export interface AwaitsIdentify {
  /** The slot in the queue of deadlines (-1: not waiting). */
  identifySlot: number;
}

/** Deadlines of connections that have to identify, oldest first. */
export class IdentifyDeadlines<T extends AwaitsIdentify> {
  private readonly waiting: (T | null)[] = [];
  /** Monotonic (performance.now), like the timers themselves: a wall-clock jump moves no deadline. */
  private readonly deadlines: number[] = [];
  /** Index of the oldest entry still in the queue. */
  private head = 0;
  /** Slot number of `waiting[0]` (slots keep counting up across compactions). */
  private base = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly timeoutMs: number,
    /** Told of an entry whose time is up (once; it has left the queue). */
    private readonly expired: (entry: T) => void,
  ) {}

  /** `entry` starts waiting: it expires `timeoutMs` from now unless removed. */
  add(entry: T): void {
    entry.identifySlot = this.base + this.waiting.length;
    this.waiting.push(entry);
    this.deadlines.push(performance.now() + this.timeoutMs);
    if (this.timer === null) this.arm(this.timeoutMs);
  }

  /** `entry` no longer waits (it identified, or closed). */
  remove(entry: T): void {
    const at = entry.identifySlot - this.base;
    if (at >= this.head && at < this.waiting.length && this.waiting[at] === entry) this.waiting[at] = null;
    entry.identifySlot = -1;
  }

  /** Entries waiting (the leak checks' view). */
  get size(): number {
    let n = 0;
    for (let i = this.head; i < this.waiting.length; i++) if (this.waiting[i] !== null) n++;
    return n;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.sweep, Math.max(1, ms));
    this.timer.unref();
  }

  /** Expire what is due, skip emptied slots, and arm the timer for the oldest entry left. */
  private readonly sweep = (): void => {
    this.timer = null;
    const now = performance.now();
    const waiting = this.waiting;
    while (this.head < waiting.length) {
      const entry = waiting[this.head] as T | null;
      if (entry !== null && (this.deadlines[this.head] as number) > now) break;
      waiting[this.head] = null;
      this.head++;
      if (entry !== null) {
        entry.identifySlot = -1;
        this.expired(entry);
      }
    }
    if (this.head === waiting.length) {
      this.base += this.head;
      this.head = waiting.length = this.deadlines.length = 0;
    } else if (this.head >= 1024 && this.head * 2 >= waiting.length) {
      waiting.splice(0, this.head);
      this.deadlines.splice(0, this.head);
      this.base += this.head;
      this.head = 0;
    }
    if (this.head < waiting.length && this.timer === null) {
      this.arm((this.deadlines[this.head] as number) - now);
    }
  };
}
