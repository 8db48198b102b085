/** What a node does with each message arriving on its channel. */
import type { Logger } from 'pino';
import { encodePeerEvent } from '../protocol/encode.js';
import { decodeClusterMessage, type RelayMessage } from './cluster-messages.js';
import type { RedisBackend } from './redis.js';

/** Handle one message from this node's channel; malformed ones are logged and dropped. */
export function handleClusterMessage(backend: RedisBackend, text: string, log: Logger): void {
  backend.counters.received++;
  const msg = decodeClusterMessage(text);
  if (!msg) {
    log.warn({ length: text.length }, 'malformed cluster message ignored');
    return;
  }
  const deliver = (peerId: string, frame: string) => () => backend.delivery()?.deliverLocal(peerId, frame);
  switch (msg.t) {
    case 'relay':
      relayIn(backend, msg);
      return;
    case 'kick':
      backend.delivery()?.kickLocal(msg.to, msg.room);
      return;
    case 'join': {
      const mirror = backend.mirror(msg.room);
      if (!mirror) break;
      mirror.add(msg.peer.id, { username: msg.peer.username, node: msg.node, seq: msg.seq });
      const frame = encodePeerEvent('NEW_PEER_IN_ROOM', msg.room, msg.peer);
      for (const id of msg.to) mirror.deliverTo(id, deliver(id, frame));
      return;
    }
    case 'leave': {
      const mirror = backend.mirror(msg.room);
      if (!mirror) break;
      mirror.remove(msg.peer.id, msg.seq);
      const frame = encodePeerEvent('PEER_LEFT_ROOM', msg.room, msg.peer);
      for (const id of msg.to) mirror.deliverTo(id, deliver(id, frame));
      return;
    }
    case 'move':
      backend
        .mirror(msg.room)
        ?.add(msg.peer.id, { username: msg.peer.username, node: msg.node, seq: msg.seq });
      return;
    case 'fetch':
      backend.resume.onFetch(msg);
      return;
    case 'held':
      backend.resume.onHeld(msg);
      return;
    case 'evict':
      backend.resume.onEvict(msg);
      return;
  }
  backend.counters.dropped++;
}

// A frame for a peer of this node; if the peer resumed on another node, pass it on there.
function relayIn(backend: RedisBackend, msg: RelayMessage): void {
  const entry = backend.mirror(msg.room)?.member(msg.to);
  const elsewhere = entry
    ? entry.node !== backend.nodeId
      ? entry.node
      : undefined
    : backend.resume.movedTo(msg.to);
  if (elsewhere !== undefined) {
    backend.publish(elsewhere, msg);
    return;
  }
  const mirror = backend.mirror(msg.room);
  if (!mirror || !entry) {
    backend.counters.dropped++;
    return;
  }
  mirror.deliverTo(msg.to, () => backend.delivery()?.deliverLocal(msg.to, msg.frame));
}
