/**
 * The bearer index of the Redis backend (`BearerSupport`), so any node can tell whether a token
 * belongs to a live session and answer `GET /api/ice-servers` for it, wherever its connection is.
 *
 * Each node writes the token hashes of the sessions it holds to its own hash (`nodeBearers`, on
 * the node's slot, so the index spreads over a Redis Cluster's shards by node), and keeps a copy
 * in memory. The hash has a TTL of a few node timeouts that the node renews, so the entries of a
 * node that dies disappear with it, without a reaper; a lookup asks only the nodes whose heartbeat
 * is current, one HGET each. An add or drop is one transaction sent at once and not waited for: a
 * request to another node made after the client read its AUTH_SUCCESS finds the token. When a write
 * fails, or Redis lost the hash, the node writes the whole hash again from its copy.
 */
import type { Logger } from 'pino';
import type { BearerHolder } from './backend.js';
import { LocalBearers } from './local-bearers.js';
import type { RedisNode } from './redis-node.js';

/** Fields written per HSET when the hash is written again. */
const CHUNK = 1000;

/** A holder as its hash field's value (short names: one per live token in Redis). */
function holderJson(h: BearerHolder): string {
  return JSON.stringify({ p: h.peerId, u: h.username, x: h.authExpiresAt });
}

/** This node's part of the bearer index, and lookups across every node. */
export class RedisBearers {
  private readonly local = new LocalBearers();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  private readonly ttlMs: number;

  constructor(
    private readonly node: RedisNode,
    private readonly nodeTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.ttlMs = 3 * nodeTimeoutMs;
  }

  /** Renew the hash's TTL (and repair it) twice per node timeout. */
  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(100, this.nodeTimeoutMs / 2));
    this.timer.unref();
  }

  /** Stop renewing and remove this node's hash (its sessions are gone). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.local.clear();
    await this.node.run((r) => r.del(this.key())).catch(() => undefined);
  }

  add(key: string, holder: BearerHolder): void {
    this.local.add(key, holder);
    const value = holderJson(holder);
    this.write((r) => r.multi().hset(this.key(), key, value).pexpire(this.key(), this.ttlMs).exec());
  }

  drop(key: string, holder: BearerHolder): void {
    if (this.local.drop(key, holder)) this.write((r) => r.multi().hdel(this.key(), key).exec());
  }

  /** The live session `key` names: here, or in the hash of a node whose heartbeat is current. */
  async find(key: string): Promise<BearerHolder | null> {
    return this.local.get(key) ?? (await this.elsewhere(key))?.holder ?? null;
  }

  /**
   * The live session `key` names on another node whose heartbeat is current, with that node's id;
   * `null` when none has it.
   */
  async elsewhere(key: string): Promise<{ node: string; holder: BearerHolder } | null> {
    const node = this.node;
    // The nodes whose heartbeat is current (the registry's score is its expiry, on Redis' clock).
    const live = (
      await node.run((r) => r.zrangebyscore(node.keys.nodes(), Math.floor(node.view.now()), '+inf'))
    ).filter((id) => id !== node.nodeId);
    const found = await node.run((r) =>
      Promise.all(live.map((id) => r.hget(node.keys.nodeBearers(id), key))),
    );
    for (const [i, json] of found.entries()) {
      if (json === null) continue;
      const { p, u, x } = JSON.parse(json) as { p: string; u: string; x: number };
      return { node: live[i] as string, holder: { peerId: p, username: u, authExpiresAt: x } };
    }
    return null;
  }

  get size(): number {
    return this.local.size;
  }

  private key(): string {
    return this.node.keys.nodeBearers(this.node.nodeId);
  }

  /**
   * One write of the index, as a MULTI: a transaction is sent in the tick that makes it, where
   * auto-pipelined commands wait for setImmediate, so the write of a session's tokens reaches
   * Redis before its AUTH_SUCCESS reaches the client (a client quick to ask another node for ICE
   * servers got 401 from a descheduled node), and the index's writes stay in the order made.
   */
  private write(call: Parameters<RedisNode['run']>[0]): void {
    this.node.run(call).catch(() => {
      this.dirty = true;
    });
  }

  private async renew(): Promise<void> {
    try {
      if (this.dirty) return await this.rewrite();
      const renewed = await this.node.run((r) => r.pexpire(this.key(), this.ttlMs));
      // Gone while this node holds sessions: Redis lost its data (or the TTL ran out during an outage).
      if (renewed === 0 && this.local.size > 0) await this.rewrite();
    } catch {
      this.dirty = true;
    }
  }

  /** Write the hash again from the copy, in one go, so no add or drop of meanwhile is lost. */
  private async rewrite(): Promise<void> {
    this.dirty = false;
    const entries = [...this.local.entries()].map(([key, h]) => [key, holderJson(h)] as const);
    const hash = this.key();
    try {
      await this.node.run(async (r) => {
        const tx = r.multi().del(hash);
        for (let i = 0; i < entries.length; i += CHUNK)
          tx.hset(hash, Object.fromEntries(entries.slice(i, i + CHUNK)));
        const replies = await tx.pexpire(hash, this.ttlMs).exec();
        const failed = replies?.find(([err]) => err !== null)?.[0];
        if (failed) throw failed;
      });
      this.log.info({ bearers: entries.length }, 'bearer index written again');
    } catch (err) {
      this.dirty = true;
      throw err;
    }
  }
}
