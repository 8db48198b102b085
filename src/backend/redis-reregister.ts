/**
 * Make Redis agree with what this node actually holds: forget the peers Redis still lists for it
 * but that are gone (they left while Redis was unreachable: their rooms are told now), and write
 * back every live peer's username, record and membership (after Redis lost its data, or after
 * the other nodes declared this node dead).
 */
import type { Logger } from 'pino';
import type { RedisConnections } from './redis-connection.js';
import { guarded } from './redis-connection.js';
import type { RedisBackend } from './redis.js';
import { memberJson, parseMembers } from './redis-rooms.js';

/** Why the node re-registers. */
export type ReregisterMode =
  /** Redis came back with its data: repair what changed while it was unreachable. */
  | 'reconnect'
  /** Redis lost its data: write everything back; no one is told (nothing changed for clients). */
  | 'restart'
  /** The other nodes removed this node's peers as dead: write them back and announce them again. */
  | 'reaped';

const CHUNK = 500;

/** Re-register this node's peers; resolves with how many live peers were written back. */
export async function reregister(
  backend: RedisBackend,
  redis: RedisConnections['command'],
  mode: ReregisterMode,
  log: Logger,
): Promise<number> {
  const keys = backend.keys;
  const node = backend.nodeId;
  const listed = await guarded(() => redis.smembers(keys.nodePeers(node)));
  const gone = listed.filter((id) => !backend.localPeers.has(id));
  for (let i = 0; i < gone.length; i += CHUNK) {
    const ids = gone.slice(i, i + CHUNK);
    await guarded(() => redis.srPurge(keys.prefix, node, ...ids));
  }
  const peers = [...backend.localPeers];
  for (let i = 0; i < peers.length; i += CHUNK) {
    // One chunk in flight at a time; ioredis pipelines the chunk over the one connection.
    await Promise.all(
      peers.slice(i, i + CHUNK).map(async ([id, peer]) => {
        const room = peer.room ?? '';
        const [conflict, readded] = await guarded(() =>
          redis.srEnsure(
            keys.prefix,
            node,
            id,
            peer.username,
            peer.usernameKey,
            room,
            peer.seq,
            memberJson(peer.username, node, peer.seq),
            peer.leftRoom ?? '',
          ),
        );
        delete peer.leftRoom;
        if (conflict === 1) {
          log.warn({ peerId: id, username: peer.username }, 'username claimed by another peer meanwhile');
        }
        if (readded === 1 && mode === 'reaped' && room !== '') {
          const members = parseMembers(await guarded(() => redis.hgetall(keys.room(room))).then(flatten));
          backend.reannounce(room, { id, username: peer.username }, peer.seq, members);
        }
      }),
    );
  }
  if (gone.length > 0) log.info({ peers: gone.length }, 'purged peers that left while Redis was unreachable');
  return peers.length;
}

function flatten(hash: Record<string, string>): string[] {
  return Object.entries(hash).flat();
}
