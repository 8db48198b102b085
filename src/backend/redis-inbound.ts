/**
 * What a node does with each batch arriving on its channel (cluster-batch.ts): relays go to their
 * target (or on to the node it resumed on), other messages to the part they concern.
 *
 * Relays of a batch that arrives after its deadline, or after a newer batch of the same sender
 * (a publish retried across a failover), are dropped, counted, and reported back to the sending
 * node, which tells each sender `UNAVAILABLE`: a hung Redis or node that comes back never
 * delivers a burst of stale signals, and relays never overtake each other. A gap in a sender's
 * batch numbers (batches lost with a Redis primary, or published while this node's subscriber was
 * reconnecting) is counted and logged.
 */
import type { Logger } from 'pino';
import { decodeBatch, relaySender, type BatchRecord, type RelayRecord } from './cluster-batch.js';
import type { ClusterMessage, FetchMessage, HeldMessage } from './cluster-messages.js';
import type { RedisNode } from './redis-node.js';
import { frameFromText } from '../../protocol/frame.js';

/** The resume part's side of the node channel (implemented by `RedisResume`). */
export interface ResumeInbound {
  /** Another node asks for a held peer. */
  onFetch(msg: FetchMessage): void;
  /** The answer to one of this node's fetches. */
  onHeld(msg: HeldMessage): void;
  /** Where a peer that resumed elsewhere went, or undefined. */
  movedTo(peerId: string): string | undefined;
}

/** A handler for the texts of this node's channel; malformed ones are logged and dropped. */
export function clusterMessageHandler(
  node: RedisNode,
  resume: ResumeInbound,
  log: Logger,
): (text: string) => void {
  const lastSeq = new Map<string, number>();
  return (text) => {
    if (text === '') return; // the heartbeat's probe of this node's own subscription
    const batch = decodeBatch(text);
    if (!batch) {
      log.warn({ length: text.length }, 'malformed cluster message ignored');
      return;
    }
    const { header, records } = batch;
    node.countReceived(records.length);
    // What the sender says it processed of this node's batches (relay-acks.ts).
    node.acks.acked(header.from, header.ack);
    // Batch 1 starts a stream (a sender that forgot this node after declaring it dead starts over).
    const last = header.seq === 1 ? 0 : (lastSeq.get(header.from) ?? 0);
    if (header.seq > last + 1) {
      node.countLost(header.seq - last - 1);
      log.warn({ from: header.from, batches: header.seq - last - 1 }, 'messages from a node were lost');
    }
    if (header.seq > last) lastSeq.set(header.from, header.seq);
    // Too late, or overtaken by a newer batch of the same sender (a retried publish): its relays
    // would break the deadline or the order per sender → target; its other messages still apply.
    const late = header.deadline < node.view.now() || (header.seq !== 1 && header.seq <= last);
    const expired: Array<[string, string]> = [];
    for (const record of records) {
      if (record.kind === 'message') handle(node, resume, header.from, record.message);
      else if (!late) relayIn(node, resume, record);
      else {
        const sender = relaySender(record);
        expired.push(sender ? [sender.peerId, sender.type] : ['', '']);
      }
    }
    if (expired.length > 0) {
      node.countExpired(expired.length);
      log.warn(
        { from: header.from, relays: expired.length, lateMs: node.view.now() - header.deadline },
        'late relays dropped',
      );
      node.publish(header.from, { t: 'undelivered', seq: header.seq, peers: expired });
    }
    // Every relay of the batch was handed on or reported: the sender may stop tracking them.
    node.acks.processedBatch(header.from, header.seq, records.some(isRelay));
  };
}

function handle(node: RedisNode, resume: ResumeInbound, from: string, msg: ClusterMessage): void {
  switch (msg.t) {
    case 'kick':
      node.delivery()?.kickLocal(msg.to, msg.room);
      return;
    case 'join':
    case 'leave':
      // A leave may come from the reaper of a dead node: relays that node never acknowledged are
      // reported first, so their senders hear UNAVAILABLE before PEER_LEFT_ROOM.
      if (msg.t === 'leave') node.acks.sweep();
      if (!node.receiveRoomEvent(msg, msg.to)) node.countDropped();
      return;
    case 'move':
      node.mirrors
        .get(msg.room)
        ?.add(msg.peer.id, { username: msg.peer.username, node: msg.node, seq: msg.seq });
      return;
    case 'fetch':
      resume.onFetch(msg);
      return;
    case 'held':
      resume.onHeld(msg);
      return;
    case 'evict':
      node.delivery()?.evict(msg.peerId);
      return;
    case 'undelivered':
      node.notices.tell(from, msg.seq, msg.peers);
      return;
  }
}

// A frame for a peer of this node; if the peer resumed on another node, pass it on there.
function relayIn(node: RedisNode, resume: ResumeInbound, relay: RelayRecord): void {
  const mirror = node.mirrors.get(relay.room);
  if (mirror?.joining(relay.to)) {
    // A peer resuming here from another node, whose membership does not name this node yet: the
    // old node forwards what reached it after the hand-over; it waits for the adoption to complete.
    node.deliverHere(mirror, relay.to, frameFromText(relay.frame));
    return;
  }
  const entry = mirror?.member(relay.to);
  const elsewhere = entry ? (entry.node !== node.nodeId ? entry.node : undefined) : resume.movedTo(relay.to);
  if (elsewhere !== undefined) {
    node.forwardRelay(elsewhere, relay.room, relay.to, relay.frame);
    return;
  }
  if (!mirror || !entry) {
    node.countDropped();
    return;
  }
  // A relay carries a frame an encoder wrote (a signal, or QUEUE_OVERFLOW to a signal's sender).
  node.deliverHere(mirror, relay.to, frameFromText(relay.frame));
}

function isRelay(record: BatchRecord): boolean {
  return record.kind === 'relay';
}
