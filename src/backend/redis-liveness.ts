/**
 * Node heartbeats, dead-node cleanup and readiness of the Redis backend.
 *
 * Every third of the node timeout each node renews its entry in the `nodes` sorted set (expiry =
 * Redis time + node timeout) and its own `alive` key (TTL = node timeout, on its own slot, where
 * the reaper's script checks it), and checks that its subscription still receives (a publish on
 * its own channel must reach a subscriber). The reply brings Redis' clock and every node's expiry
 * (cluster-view.ts), so relays to a node whose heartbeat lapsed are refused at once.
 *
 * Each tick also reaps nodes past their expiry (redis-peer-removal.ts), each peer by exactly one
 * caller, so the rooms hear PEER_LEFT_ROOM once however many nodes notice. A node only reaps after
 * it has been connected for a full timeout itself, so after a Redis outage every live node has
 * had the time to renew its heartbeat before anyone judges it.
 *
 * The heartbeat reply also tells a node when Redis lost its data (the epoch changed) or when the
 * others declared it dead (its entry or its alive key was gone): it then re-registers its peers.
 * After any reconnection (a restart, a Sentinel or Cluster failover) it repairs what the last
 * writes before the failure may have lost.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackendHealth } from './backend.js';
import type { RedisLink } from './redis-connection.js';
import type { RedisNode } from './redis-node.js';
import { ownRecords, purgePeers, reapNode } from './redis-peer-removal.js';
import { reregister, type ReregisterMode } from './redis-reregister.js';

// A script call moves this many records of a dead node (well under a millisecond of Redis).
const REAP_BATCH = 100;
const MAX_REAP_BATCHES_PER_TICK = 1000;

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
  private readonly link: RedisLink;

  constructor(
    private readonly node: RedisNode,
    /** A node silent this long is dead. */
    private readonly nodeTimeoutMs: number,
    private readonly log: Logger,
  ) {
    this.intervalMs = Math.max(100, Math.floor(nodeTimeoutMs / 3));
    this.link = node.connection();
  }

  /** Register this node (the first heartbeat must succeed) and start ticking. */
  async start(): Promise<void> {
    this.connectedSince = Date.now();
    await this.heartbeat();
    this.link.onStatus(
      () => this.onReconnect(),
      () => this.onConnectionLost(),
    );
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop ticking and take this node out of the registry (its peers were released by the core). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    if (!this.isConnected()) return; // the others will clean up after the heartbeat lapses
    const node = this.node;
    const keys = node.keys;
    try {
      // Peers still recorded (a cleanup that failed) would be orphans once the node is unregistered.
      const left = [...(await ownRecords(node))];
      for (let i = 0; i < left.length; i += REAP_BATCH) await purgePeers(node, left.slice(i, i + REAP_BATCH));
      await node.run((r) =>
        Promise.all([
          r.zrem(keys.nodes(), node.nodeId),
          r.del(keys.nodeAlive(node.nodeId), keys.nodePeers(node.nodeId)),
        ]),
      );
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
    const node = this.node;
    const keys = node.keys;
    const started = Date.now();
    const [[epoch, added, recoveringMs, redisNow, registry], wasAlive, subscribed] = await node.run((r) =>
      Promise.all([
        r.srHeartbeat(
          keys.nodes(),
          keys.epoch(),
          keys.recovering(),
          node.nodeId,
          this.nodeTimeoutMs,
          randomUUID(),
          2 * this.intervalMs + 1000,
          this.epoch,
        ),
        r.set(keys.nodeAlive(node.nodeId), '1', 'PX', this.nodeTimeoutMs, 'GET'),
        node.probeSubscription(),
      ]),
    );
    const answered = Date.now();
    this.latencyMs = answered - started;
    node.view.syncClock(Number(redisNow), started, answered);
    node.view.setNodes(registry);
    // Nothing reaches this node while its channel has no subscriber: not ready, whatever else works.
    if (!subscribed) throw new Error('this node’s subscription to its channel is not active');
    this.connectedSince ??= Date.now();
    // While the cluster re-registers after a data loss, claims and joins are refused: say so.
    this.recoveringUntil = recoveringMs > 0 ? Date.now() + recoveringMs : 0;
    let mode: ReregisterMode | null = this.pendingMode;
    if (this.epoch !== '' && epoch !== this.epoch) mode = 'restart';
    else if (this.epoch !== '' && (added === 1 || wasAlive === null)) mode = 'reaped';
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
    const view = this.node.view;
    for (const dead of view.nodes()) {
      if (dead === this.node.nodeId || !view.isLapsed(dead)) continue;
      const { removed } = await reapNode(
        this.node,
        dead,
        REAP_BATCH,
        MAX_REAP_BATCHES_PER_TICK,
        this.nodeTimeoutMs,
      );
      if (removed > 0) this.log.warn({ deadNode: dead, peers: removed }, 'removed the peers of a dead node');
    }
  }

  private degrade(reason: string): void {
    this.node.view.setHealthy(false);
    if (this.degradedSince !== null) return;
    this.degradedSince = Date.now();
    this.degradedReason = reason;
    this.log.warn({ reason }, 'redis backend degraded');
  }

  private recover(): void {
    if (!this.isConnected()) return;
    this.node.view.setHealthy(true);
    if (this.degradedSince === null) return;
    const forMs = Date.now() - this.degradedSince;
    this.log.info({ degradedMs: forMs, reason: this.degradedReason }, 'redis backend recovered');
    this.degradedSince = null;
  }
}
