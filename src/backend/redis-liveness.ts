/**
 * Node heartbeats, dead-node cleanup and readiness of the Redis backend.
 *
 * Every node renews its entry in the `nodes` sorted set (expiry = Redis time + node timeout) every
 * third of the timeout. Each tick also looks for entries past their expiry and removes the dead
 * node's peers in batches (redis-peer-removal.ts), each peer by exactly one caller, so the rooms
 * hear PEER_LEFT_ROOM once however many nodes notice. A node only reaps after it has been
 * connected for a full timeout itself, so after a Redis outage every live node has had the time
 * to renew its heartbeat before anyone judges it.
 *
 * The heartbeat reply also tells a node when Redis lost its data (the epoch changed) or when the
 * others declared it dead (its entry was gone): it then re-registers its live peers.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackendHealth } from './backend.js';
import { guarded, type RedisConnections } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';
import { reapNode, removePeers } from './redis-peer-removal.js';
import { reregister, type ReregisterMode } from './redis-reregister.js';

const REAP_BATCH = 500;
const MAX_REAP_BATCHES_PER_TICK = 200;

/** Heartbeat, reaper and health of one node. */
export class ClusterLiveness {
  private epoch = '';
  private timer: NodeJS.Timeout | null = null;
  private connectedSince: number | null = null;
  private degradedSince: number | null = null;
  private degradedReason = '';
  private latencyMs: number | null = null;
  private reconnected = false;
  private reregistering = false;
  private recoveringUntil = 0;
  /** A re-registration detected but not run yet (waits for the other nodes to re-subscribe). */
  private pendingMode: ReregisterMode | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly intervalMs: number;
  private readonly conn: RedisConnections;

  constructor(
    private readonly node: RedisNode,
    /** A node silent this long is dead. */
    private readonly nodeTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.intervalMs = Math.max(100, Math.floor(nodeTimeoutMs / 3));
    this.conn = node.connections();
  }

  /** Register this node (the first heartbeat must succeed) and start ticking. */
  async start(): Promise<void> {
    this.connectedSince = Date.now();
    await this.heartbeat();
    for (const client of [this.conn.command, this.conn.subscriber]) {
      client.on('ready', () => this.onReconnect());
      client.on('close', () => this.onConnectionLost());
    }
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop ticking and take this node out of the registry (its peers were released by the core). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (!this.isConnected()) return; // the others will clean up after the heartbeat lapses
    const redis = this.conn.command;
    const keys = this.node.keys;
    const id = this.node.nodeId;
    try {
      // Peers still listed (a cleanup that failed) would be orphans once the node is unregistered.
      const left = await guarded(() => redis.smembers(keys.nodePeers(id)));
      for (let i = 0; i < left.length; i += REAP_BATCH) {
        await removePeers(this.node, id, left.slice(i, i + REAP_BATCH), 'purge');
      }
      await guarded(() => redis.zrem(keys.nodes(), id));
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not unregister; the other nodes will clean up');
    }
  }

  /** Both connections are up. */
  isConnected(): boolean {
    return this.node.isConnected();
  }

  /** Connected, heartbeat answered, not re-registering, no recovering window: new clients can be served. */
  isReady(): boolean {
    return (
      !this.stopped &&
      this.isConnected() &&
      this.degradedSince === null &&
      !this.reregistering &&
      this.pendingMode === null &&
      Date.now() >= this.recoveringUntil
    );
  }

  /** Readiness and the last heartbeat round trip. */
  health(): Pick<BackendHealth, 'ready' | 'degradedSince' | 'latencyMs'> {
    return { ready: this.isReady(), degradedSince: this.degradedSince, latencyMs: this.latencyMs };
  }

  private onReconnect(): void {
    if (this.stopped || !this.isConnected()) return;
    this.connectedSince = Date.now();
    this.reconnected = true;
    void this.tick();
  }

  private onConnectionLost(): void {
    if (this.stopped) return;
    this.connectedSince = null;
    this.degrade('connection to Redis lost');
  }

  private tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.runTick().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runTick(): Promise<void> {
    try {
      await this.heartbeat();
      const since = this.connectedSince;
      if (since !== null && Date.now() - since >= this.nodeTimeoutMs) await this.reapDeadNodes();
    } catch (err) {
      // A hung Redis keeps the connection open: count the time connected from the next success,
      // or this node would judge the others before they could beat again.
      this.connectedSince = null;
      this.degrade((err as Error).message);
    }
  }

  private async heartbeat(): Promise<void> {
    const redis = this.conn.command;
    const keys = this.node.keys;
    const started = Date.now();
    const [epoch, added, recoveringMs] = await guarded(() =>
      redis.srHeartbeat(
        keys.nodes(),
        keys.epoch(),
        keys.recovering(),
        this.node.nodeId,
        this.nodeTimeoutMs,
        randomUUID(),
        2 * this.intervalMs + 1000,
        this.epoch,
      ),
    );
    this.latencyMs = Date.now() - started;
    this.connectedSince ??= Date.now();
    // While the cluster re-registers after a data loss, claims and joins are refused: say so.
    this.recoveringUntil = recoveringMs > 0 ? Date.now() + recoveringMs : 0;
    let mode: ReregisterMode | null = this.pendingMode;
    if (this.epoch !== '' && epoch !== this.epoch) mode = 'restart';
    else if (this.epoch !== '' && added === 1) mode = 'reaped';
    const dirty = this.node.takeDirty();
    if (!mode && (dirty || this.reconnected)) mode = 'reconnect';
    this.epoch = epoch;
    this.reconnected = false;
    this.pendingMode = null;
    if (mode) {
      // Repairs announce PEER_LEFT/NEW_PEER over pub/sub, which keeps nothing for a subscriber
      // that is still reconnecting: give the other nodes one heartbeat interval to be back.
      const connectedFor = Date.now() - (this.connectedSince ?? Date.now());
      if (mode !== 'restart' && connectedFor < this.intervalMs) {
        this.pendingMode = mode;
        setTimeout(() => void this.tick(), this.intervalMs - connectedFor).unref();
        return;
      }
      this.reregistering = true;
      try {
        const count = await reregister(this.node, mode, this.log);
        this.log.info({ mode, peers: count }, 're-registered this node’s peers');
      } catch (err) {
        this.pendingMode = mode;
        throw err;
      } finally {
        this.reregistering = false;
      }
    }
    this.recover();
  }

  private async reapDeadNodes(): Promise<void> {
    const redis = this.conn.command;
    const dead = await guarded(() => redis.srDeadNodes(this.node.keys.nodes()));
    for (const node of dead) {
      if (node === this.node.nodeId) continue;
      const removed = await reapNode(this.node, node, REAP_BATCH, MAX_REAP_BATCHES_PER_TICK);
      if (removed > 0) this.log.warn({ deadNode: node, peers: removed }, 'removed the peers of a dead node');
    }
  }

  private degrade(reason: string): void {
    if (this.degradedSince !== null) return;
    this.degradedSince = Date.now();
    this.degradedReason = reason;
    this.log.warn({ reason }, 'redis backend degraded');
  }

  private recover(): void {
    if (this.degradedSince === null || !this.isConnected()) return;
    const forMs = Date.now() - this.degradedSince;
    this.log.info({ degradedMs: forMs, reason: this.degradedReason }, 'redis backend recovered');
    this.degradedSince = null;
  }
}
