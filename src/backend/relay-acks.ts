/**
 * Relays to another node are tracked until that node acknowledges them, so a relay lost with a
 * node that crashed (or hung) after Redis handed it the batch is reported to its sender instead
 * of vanishing (docs/reliability.md, "Relays across a node crash").
 *
 * - Every batch a node sends carries, in its header, the number of the last batch it processed
 *   from the receiving node (`ack`, cumulative; cluster-batch.ts), and the ranges of batches that
 *   never arrived (a gap in the numbering: Redis lost them, a failover in that instant), repeated
 *   in every header for {@link GAP_RETAIN_MS} so one lost header does not hide them. A node that
 *   processed relays from another and has no batch going there within {@link ACK_DELAY_MS} sends
 *   an empty batch to carry the ack. "Processed" means each relay was handed to its peer's
 *   connection or hold on that node, passed on to the node the peer resumed on, or reported late
 *   (`undelivered`).
 * - The sender keeps the relay records of each batch to a node until an ack covers it. It reports
 *   them (their senders get `UNAVAILABLE`) when the ack names the batch missing, when the node is
 *   declared dead (its heartbeat lapsed, or it was reaped), or when no ack came by the batch's
 *   deadline plus `graceMs`: by then the receiver drops the relays as late, so the sender learns
 *   of every relay not delivered within that bound. A batch is reported once
 *   (undelivered-notices.ts), however many paths report it.
 * - A node whose batches carry no ack field predates acknowledgements: relays to it are not
 *   tracked (at most once, unreported, as before), so a rolling upgrade raises no false reports.
 */
import type { BatchAck } from './cluster-batch.js';

/** How long a node waits for other traffic to carry an ack before it sends an empty batch. */
export const ACK_DELAY_MS = 20;

/** How long a gap is repeated in the acks (well past any relay deadline and its grace). */
export const GAP_RETAIN_MS = 60_000;

/** Gaps remembered per sender at most (the oldest go first). */
const MAX_GAPS = 32;

/** What the tracker needs from its node. */
export interface RelayAcksOptions {
  /** Now on the clock batch deadlines are on (the nodes' shared clock). */
  now(): number;
  /** True when `node` is declared dead (its heartbeat lapsed). */
  isDead(node: string): boolean;
  /** After a batch's deadline, how long its ack may take to come back. */
  graceMs: number;
  /** Make sure a batch goes to `node` soon (it carries the ack), empty if need be. */
  nudge(node: string): void;
  /** The relays of batch `seq` to `node` were not acknowledged: tell their senders. */
  report(node: string, seq: number, relays: string[], dead: boolean): void;
}

interface Gap {
  first: number;
  last: number;
  /** When it was seen (local ms). */
  at: number;
}

interface Unacked {
  seq: number;
  deadline: number;
  relays: string[];
}

/** Both ends of the acknowledgements of one node; see the module comment. */
export class RelayAcks {
  /** Per target node, its batches with relays not acknowledged yet, oldest first. */
  private readonly unacked = new Map<string, Unacked[]>();
  /** Nodes whose batches carry no ack: relays to them are not tracked. */
  private readonly legacy = new Set<string>();
  /** Per sender node, the last batch processed from it (what the next batch there acknowledges). */
  private readonly processed = new Map<string, number>();
  /** Sender nodes owed an ack that no batch has carried yet. */
  private readonly owed = new Set<string>();
  /** Per sender node, the recent gaps in its numbering (batches that never arrived). */
  private readonly gaps = new Map<string, Gap[]>();

  constructor(private readonly options: RelayAcksOptions) {}

  // ---- the sending side -------------------------------------------------------------------

  /** Batch `seq` with `relays` went to `node`, to be delivered by `deadline` (shared clock). */
  sent(node: string, seq: number, deadline: number, relays: string[]): void {
    if (relays.length === 0 || this.legacy.has(node)) return;
    const list = this.unacked.get(node);
    const entry = { seq, deadline, relays };
    if (list) list.push(entry);
    else this.unacked.set(node, [entry]);
  }

  /** Batch `seq` to `node` was already reported (its publish failed): stop tracking it. */
  settled(node: string, seq: number): void {
    const list = this.unacked.get(node);
    const i = list?.findIndex((e) => e.seq === seq) ?? -1;
    if (i >= 0) list?.splice(i, 1);
    if (list?.length === 0) this.unacked.delete(node);
  }

  /** A batch from `node` acknowledged ours (`undefined`: a node without acks). */
  acked(node: string, ack: BatchAck | undefined): void {
    if (ack === undefined) {
      this.legacy.add(node);
      this.unacked.delete(node);
      return;
    }
    this.legacy.delete(node);
    const list = this.unacked.get(node);
    if (!list) return;
    let n = 0;
    while (n < list.length && (list[n] as Unacked).seq <= ack.upTo) n++;
    const done = list.splice(0, n);
    if (list.length === 0) this.unacked.delete(node);
    // Covered by the ack, but named missing: they never arrived.
    for (const e of done) {
      if (ack.missing.some(([a, b]) => e.seq >= a && e.seq <= b))
        this.options.report(node, e.seq, e.relays, false);
    }
  }

  /** Report what a dead node, or one past a batch's deadline and grace, did not acknowledge. */
  sweep(): void {
    const now = this.options.now();
    for (const [node, list] of this.unacked) {
      const dead = this.options.isDead(node);
      let n = 0;
      while (n < list.length && (dead || (list[n] as Unacked).deadline + this.options.graceMs < now)) n++;
      if (n === 0) continue;
      const due = list.splice(0, n);
      if (list.length === 0) this.unacked.delete(node);
      for (const e of due) this.options.report(node, e.seq, e.relays, dead);
    }
    // What this node kept as a receiver for a dead sender (node ids are not reused by restarts).
    for (const node of this.processed.keys()) {
      if (!this.options.isDead(node)) continue;
      this.processed.delete(node);
      this.owed.delete(node);
      this.gaps.delete(node);
    }
  }

  /** `node` is gone for good (reaped, or its numbering starts over): report all it did not acknowledge. */
  forget(node: string): void {
    const list = this.unacked.get(node);
    this.unacked.delete(node);
    this.processed.delete(node);
    this.owed.delete(node);
    this.gaps.delete(node);
    for (const e of list ?? []) this.options.report(node, e.seq, e.relays, true);
  }

  // ---- the receiving side -----------------------------------------------------------------

  /** Batch `seq` from `node` was processed; `relays`: it held relays, so it must be acknowledged soon. */
  processedBatch(node: string, seq: number, relays: boolean): void {
    const last = this.processed.get(node) ?? 0;
    // Batch 1 starts a stream again (the sender forgot this node); an older one changes nothing.
    if (seq === 1) this.gaps.delete(node);
    else if (seq > last + 1 && last > 0) {
      // Batches that never arrived: named in the acks, so their relays are reported.
      const gaps = this.gaps.get(node) ?? [];
      gaps.push({ first: last + 1, last: seq - 1, at: Date.now() });
      if (gaps.length > MAX_GAPS) gaps.shift();
      this.gaps.set(node, gaps);
      relays = true;
    }
    if (seq === 1 || seq > last) this.processed.set(node, seq);
    if (!relays || this.owed.has(node)) return;
    this.owed.add(node);
    setTimeout(() => {
      if (this.owed.has(node)) this.options.nudge(node);
    }, ACK_DELAY_MS).unref();
  }

  /** The ack for the header of a batch to `node` now (`upTo` 0: nothing processed from it yet). */
  ackFor(node: string): BatchAck {
    this.owed.delete(node);
    const upTo = this.processed.get(node) ?? 0;
    const gaps = this.gaps.get(node);
    if (!gaps) return { upTo, missing: [] };
    const since = Date.now() - GAP_RETAIN_MS;
    while (gaps.length > 0 && (gaps[0] as Gap).at < since) gaps.shift();
    if (gaps.length === 0) this.gaps.delete(node);
    return { upTo, missing: gaps.map((g) => [g.first, g.last] as const) };
  }

  /** Batches tracked and acks owed, for leak checks. */
  size(): { unackedBatches: number; acksOwed: number; gapSenders: number } {
    let batches = 0;
    for (const list of this.unacked.values()) batches += list.length;
    return { unackedBatches: batches, acksOwed: this.owed.size, gapSenders: this.gaps.size };
  }
}
