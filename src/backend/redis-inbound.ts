/** What a node does with each message arriving on its channel. */
import type { Logger } from 'pino';
import {
  decodeClusterMessage,
  type FetchMessage,
  type HeldMessage,
  type RelayMessage,
} from './cluster-messages.js';
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
  return (text) => {
    const msg = decodeClusterMessage(text);
    if (!msg) {
      log.warn({ length: text.length }, 'malformed cluster message ignored');
      return;
    }
    switch (msg.t) {
      case 'relay':
        relayIn(node, resume, msg);
        return;
      case 'kick':
        node.delivery()?.kickLocal(msg.to, msg.room);
        return;
      case 'join':
      case 'leave':
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
        node.delivery()?.evict?.(msg.peerId);
        return;
    }
  };
}

// A frame for a peer of this node; if the peer resumed on another node, pass it on there.
function relayIn(node: RedisNode, resume: ResumeInbound, msg: RelayMessage): void {
  const mirror = node.mirrors.get(msg.room);
  const entry = mirror?.member(msg.to);
  const elsewhere = entry ? (entry.node !== node.nodeId ? entry.node : undefined) : resume.movedTo(msg.to);
  if (elsewhere !== undefined) {
    node.publish(elsewhere, msg);
    return;
  }
  if (!mirror || !entry) {
    node.countDropped();
    return;
  }
  // A relay carries a frame an encoder wrote (a signal, or QUEUE_OVERFLOW to a signal's sender).
  node.deliverHere(mirror, msg.to, frameFromText(msg.frame));
}
