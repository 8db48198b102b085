/**
 * Everything a node sends other nodes, batched: under steady traffic, messages for one node
 * queued within a millisecond go out as ONE publish on that node's channel (cluster-batch.ts);
 * after a quiet spell a message goes out at once. Redis then handles one command for many relays
 * instead of one each, and the order per sender → target node is the queue's order.
 *
 * Each publish is tracked until Redis answers. A batch that cannot have been delivered (the
 * publish failed, reached no subscriber, or got no answer within the stuck bound) is reported
 * once, with its relay records, so their senders can be told `UNAVAILABLE`. While a batch to a
 * node is overdue, {@link Outbox.isStuck} says so and new relays to it are refused at once.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { encodeBatch, isRelayRecord } from './cluster-batch.js';
import type { ClusterView } from './cluster-view.js';
import type { RedisLink } from './redis-connection.js';
import type { RelayAcks } from './relay-acks.js';

// One publish carries at most about this many characters (one larger record goes alone).
const MAX_BATCH_CHARS = 64 * 1024;
const SWEEP_MS = 100;

/** What the outbox needs from its node. */
export interface OutboxOptions {
  /** This node's id (the batches' `from`). */
  from: string;
  /** The channel of a node. */
  channel(node: string): string;
  view: ClusterView;
  /** Relays not delivered this long after they were sent are dropped by the receiver. */
  deadlineMs: number;
  /**
   * Publishes go out at most this often (`--redis-batch-ms`): under steady traffic a message waits
   * up to this long for others to share its publish (Redis' cost is per publish, hardly per
   * message: docs/scaling.md); after a quiet spell the first one goes out at once.
   */
  batchMs: number;
  /** A publish unanswered this long counts as failed (its relays' senders are told). */
  stuckMs: number;
  /** A batch to `target` was not delivered: `relays` are its relay records. */
  onUndelivered(target: string, seq: number, relays: string[]): void;
  /** Tracks relays until the target acknowledges them, and what this node owes others. */
  acks: RelayAcks;
  log: Logger;
}

interface InFlight {
  target: string;
  seq: number;
  sentAt: number;
  records: string[];
  /** Reported as undelivered already (answered late or failed after the sweep reported it). */
  reported: boolean;
  /** Counted in {@link Outbox.isStuck} until answered. */
  overdue: boolean;
}

/** Batches, publishes and tracks what this node sends; see the module comment. */
export class Outbox {
  /** Messages (records) published, and lost (their publish failed or reached nobody). */
  readonly counters = { published: 0, publishErrors: 0 };
  private link: RedisLink | null = null;
  private queued = new Map<string, string[]>();
  private scheduled = false;
  // performance.now() counts from the process start: no flush yet is a quiet spell, however early.
  private lastFlush = -Infinity;
  private readonly seqs = new Map<string, number>();
  private readonly inFlight = new Map<number, InFlight>();
  private readonly overdue = new Map<string, number>();
  private lastId = 0;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly options: OutboxOptions) {}

  /** Start publishing over `link`. */
  open(link: RedisLink): void {
    this.link = link;
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Publish what is queued and stop; later sends are dropped. */
  close(): void {
    this.flush();
    this.link = null;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /**
   * Queue a record for `target`. After a quiet spell it goes out at once (no timer, no extra turn
   * of the event loop); under steady traffic it waits, at most `batchMs`, for others.
   */
  send(target: string, record: string): void {
    const queue = this.queued.get(target);
    if (queue) queue.push(record);
    else this.queued.set(target, [record]);
    if (this.scheduled) return;
    const wait = this.lastFlush + this.options.batchMs - performance.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.scheduled = true;
    setTimeout(() => this.flush(), wait);
  }

  /** True while a batch to `target` is overdue: a relay sent now could not arrive in time. */
  isStuck(target: string): boolean {
    return (this.overdue.get(target) ?? 0) > 0;
  }

  /** Batches published and not answered yet (for leak checks). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Forget a node that is gone (its sequence numbers and queue); what it did not acknowledge is reported. */
  forget(target: string): void {
    this.seqs.delete(target);
    this.queued.delete(target);
    this.options.acks.forget(target);
  }

  /** Make sure a batch goes to `target` soon, even an empty one (it carries this node's ack). */
  nudge(target: string): void {
    if (!this.link) return; // closed: nothing goes out any more
    if (!this.queued.has(target)) this.queued.set(target, []);
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => this.flush(), 0);
  }

  /** Publish everything queued, one batch (or a few, when large) per target. */
  flush(): void {
    this.scheduled = false;
    if (this.queued.size === 0) return;
    this.lastFlush = performance.now();
    const queued = this.queued;
    this.queued = new Map();
    for (const [target, records] of queued) {
      if (records.length === 0) this.publish(target, records);
      let start = 0;
      while (start < records.length) {
        let end = start;
        let size = 0;
        while (
          end < records.length &&
          (end === start || size + (records[end] as string).length <= MAX_BATCH_CHARS)
        ) {
          size += (records[end] as string).length;
          end++;
        }
        this.publish(target, start === 0 && end === records.length ? records : records.slice(start, end));
        start = end;
      }
    }
  }

  private publish(target: string, records: string[]): void {
    const seq = (this.seqs.get(target) ?? 0) + 1;
    this.seqs.set(target, seq);
    const entry: InFlight = { target, seq, sentAt: Date.now(), records, reported: false, overdue: false };
    this.counters.published += records.length;
    const link = this.link;
    if (!link) {
      this.fail(entry, 'not connected');
      return;
    }
    const id = ++this.lastId;
    this.inFlight.set(id, entry);
    const acks = this.options.acks;
    const deadline = this.options.view.now() + this.options.deadlineMs;
    // Tracked until the target acknowledges the batch (relay-acks.ts): a crash there is reported.
    acks.sent(target, seq, deadline, records.filter(isRelayRecord));
    const text = encodeBatch({ from: this.options.from, seq, deadline, ack: acks.ackFor(target) }, records);
    link.publish(this.options.channel(target), text).then(
      (receivers) => {
        this.settle(id, entry);
        if (receivers === 0) this.fail(entry, 'no subscriber on the channel');
      },
      (err: unknown) => {
        this.settle(id, entry);
        this.fail(entry, (err as Error).message);
      },
    );
  }

  private settle(id: number, entry: InFlight): void {
    this.inFlight.delete(id);
    if (!entry.overdue) return;
    entry.overdue = false;
    const n = (this.overdue.get(entry.target) ?? 1) - 1;
    if (n <= 0) this.overdue.delete(entry.target);
    else this.overdue.set(entry.target, n);
  }

  private fail(entry: InFlight, reason: string): void {
    if (entry.reported) return;
    entry.reported = true;
    this.options.acks.settled(entry.target, entry.seq);
    this.counters.publishErrors += entry.records.length;
    this.options.log.warn(
      { to: entry.target, seq: entry.seq, messages: entry.records.length, reason },
      'publish failed',
    );
    const relays = entry.records.filter(isRelayRecord);
    if (relays.length > 0) this.options.onUndelivered(entry.target, entry.seq, relays);
  }

  // Publishes are answered in order per connection, so the oldest entries come first.
  private sweep(): void {
    this.options.acks.sweep();
    const limit = Date.now() - this.options.stuckMs;
    for (const entry of this.inFlight.values()) {
      if (entry.sentAt > limit) break;
      if (entry.overdue) continue;
      entry.overdue = true;
      this.overdue.set(entry.target, (this.overdue.get(entry.target) ?? 0) + 1);
      this.fail(entry, `no answer within ${this.options.stuckMs} ms`);
    }
  }
}
