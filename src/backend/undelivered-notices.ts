/**
 * Telling a node's peers that relays they sent to a peer on another node were not delivered:
 * `ERROR UNAVAILABLE` with the message's type as `ref`, once per relay. A batch can be reported
 * twice — by this node (its publish failed or went unanswered) and by the receiving node (it
 * arrived after its deadline) — so each batch, named by its target node and number, is told once.
 */
import { encodeError } from '../../protocol/encode.js';
import type { OutFrame } from '../../protocol/frame.js';
import { relaySender } from './cluster-batch.js';

// Batches already told, remembered this long (well past any deadline and command timeout).
const TOLD_MS = 120_000;
const NOT_DELIVERED = 'Not delivered in time: the peer’s node could not be reached; try again';

/** Tells senders, once per batch; see the module comment. */
export class UndeliveredNotices {
  private readonly told = new Map<string, number>();

  constructor(
    /** Hand a frame to a peer of this node. */
    private readonly deliver: (peerId: string, frame: OutFrame) => void,
  ) {}

  /** The senders (peer id, message type) of relays in batch `seq` to `target` were not delivered. */
  tell(
    target: string,
    seq: number,
    senders: ReadonlyArray<readonly [string, string]>,
    message = NOT_DELIVERED,
  ): void {
    const key = `${target} ${seq}`;
    const now = Date.now();
    if (this.told.has(key)) return;
    for (const [k, at] of this.told) if (now - at > TOLD_MS) this.told.delete(k);
    this.told.set(key, now);
    for (const [peerId, type] of senders) this.deliver(peerId, encodeError('UNAVAILABLE', message, type));
  }

  /** The relay records of batch `seq` to `target` were not delivered: tell their senders. */
  tellRecords(target: string, seq: number, relays: readonly string[], message?: string): void {
    const senders: Array<[string, string]> = [];
    for (const record of relays) {
      const sender = relaySender(record);
      if (sender) senders.push([sender.peerId, sender.type]);
    }
    this.tell(target, seq, senders, message);
  }
}
