/**
 * One Redis backend node below its facade, for the tests of the node state and the parts: a
 * started {@link RedisNode} that handles its channel, with its rooms and usernames parts and an
 * {@link Inbox}. No liveness runs, so nothing is reaped or re-registered unless a test does it.
 */
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { clusterMessageHandler } from '../../src/backend/redis-inbound.js';
import { RedisNode } from '../../src/backend/redis-node.js';
import { RedisRooms } from '../../src/backend/redis-rooms.js';
import { withScripts, type ScriptCommands } from '../../src/backend/redis-scripts.js';
import type { RedisTopology } from '../../src/backend/redis-topology.js';
import { RedisUsernames } from '../../src/backend/redis-usernames.js';
import type { PeerInfo } from '../../protocol/messages.js';
import { Inbox } from './inbox.js';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const noResume = { onFetch: () => undefined, onHeld: () => undefined, movedTo: () => undefined };

/** Where the nodes of a test connect: a `redis://` URL or any topology. */
export type RedisTarget = string | RedisTopology;

/** The topology of a target. */
export function topologyOf(target: RedisTarget): RedisTopology {
  return typeof target === 'string' ? { kind: 'standalone', url: target } : target;
}

/** A started node `id` under `prefix`, closed when the test ends. */
export async function openNode(t: TestContext, target: RedisTarget, prefix: string, id: string) {
  const node = new RedisNode({ nodeId: id, keyPrefix: prefix, logger });
  const inbox = new Inbox();
  const connection = { topology: topologyOf(target), commandTimeoutMs: 2000, startupTimeoutMs: 5000 };
  await node.open(inbox, connection, clusterMessageHandler(node, noResume, logger));
  t.after(() => node.close());
  const rooms = new RedisRooms(node);
  const usernames = new RedisUsernames(node);
  /** Claim the peer's username and join it to `roomId` as the core does. */
  const enter = async (roomId: string, peer: PeerInfo) => {
    await usernames.claim(peer.username.toLowerCase(), peer);
    const outcome = await rooms.joinRoom(roomId, peer, 50);
    if (!outcome.ok) throw new Error(`${peer.username} could not join ${roomId}`);
    rooms.announceJoin(roomId, peer, outcome.members);
  };
  return { node, inbox, rooms, usernames, enter };
}

/** Started nodes with the given ids sharing a fresh prefix, and a plain client on the same Redis. */
export async function openNodes<const Ids extends readonly string[]>(
  t: TestContext,
  url: string,
  ...ids: Ids
) {
  const prefix = `test-${randomUUID()}:`;
  const nodes: OpenNode[] = [];
  for (const id of ids) nodes.push(await openNode(t, url, prefix, id));
  return { nodes: nodes as { [K in keyof Ids]: OpenNode }, client: rawClient(t, url), prefix };
}

/** What {@link openNode} returns. */
export type OpenNode = Awaited<ReturnType<typeof openNode>>;

/** A plain client with the scripts, closed when the test ends. */
export function rawClient(t: TestContext, url: string): Redis & ScriptCommands {
  const client = withScripts(new Redis(url));
  t.after(() => client.disconnect());
  return client;
}

/**
 * Run `change` right after `n` issues the next HSET of its peers' records (reregister's), before
 * that HSET's reply: a release or leave arriving while the records are in flight. `done` restores
 * the command and waits for the change (it fails when no such HSET was issued).
 */
export function duringRecordsWrite(n: OpenNode, change: () => Promise<void>): { done: () => Promise<void> } {
  const command = n.node.command();
  const records = n.node.keys.nodePeers(n.node.nodeId);
  const hset = command.hset;
  let changed: Promise<void> | null = null;
  command.hset = function (this: typeof command, ...args: unknown[]) {
    const reply = (hset as (...a: unknown[]) => Promise<number>).apply(this, args);
    if (args[0] === records && changed === null) {
      command.hset = hset;
      changed = change();
    }
    return reply;
  } as typeof hset;
  return {
    done: () => {
      command.hset = hset;
      return changed ?? Promise.reject(new Error('the records were not written'));
    },
  };
}

/**
 * Hold the join of `peerId` on `n` at its script (srJoin), after its record was written:
 * `script` sends the script only at `release` (the join paused between its record and its
 * script); `reply` sends it at once and holds only its reply (Redis lists the membership, the node
 * does not know yet). `reached` resolves once the join got there.
 */
export function holdJoin(n: OpenNode, peerId: string, what: 'script' | 'reply') {
  const command = n.node.command();
  const srJoin = command.srJoin;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  let held = false;
  // Left in place afterwards (passing calls through), so holds of several peers can be chained.
  command.srJoin = function (this: typeof command, ...args: Parameters<typeof srJoin>) {
    if (held || args[1] !== peerId) return srJoin.apply(this, args);
    held = true;
    arrived();
    if (what === 'script') return gate.then(() => srJoin.apply(this, args));
    const reply = srJoin.apply(this, args);
    return gate.then(() => reply);
  } as typeof srJoin;
  return { reached, release: () => open() };
}
