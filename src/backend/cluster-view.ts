/**
 * What a node knows of the cluster between two heartbeats, so `relay` can decide synchronously
 * whether a frame for another node can still be delivered in time:
 *
 * - a clock shared by every node: Redis' own (the heartbeat script reads `TIME` on the slot of the
 *   node registry), kept as an offset from the local clock, so relay deadlines mean the same on
 *   both ends even when the machines' clocks disagree;
 * - the heartbeat expiry of every node (from the registry, on that shared clock): a node whose
 *   heartbeat lapsed is dead or hung, and a relay to it would be lost or late;
 * - whether this node's own heartbeat is current (it can reach Redis and Redis answers).
 */

// A sample taken over a slow round trip says little about the offset: keep the best recent one.
const GOOD_SAMPLE_MS = 50;
const SAMPLE_MAX_AGE_MS = 60_000;

/** Shared clock, other nodes' liveness and this node's health; see the module comment. */
export class ClusterView {
  private offsetMs = 0;
  private sampleRttMs = Number.POSITIVE_INFINITY;
  private sampledAt = 0;
  private readonly expiries = new Map<string, number>();
  private healthy = true;

  /** Now on the shared clock (ms). */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Learn the shared clock from a reply that read Redis time `redisNowMs` between `sentAt` and `receivedAt` (local ms). */
  syncClock(redisNowMs: number, sentAt: number, receivedAt: number): void {
    const rtt = receivedAt - sentAt;
    const stale = receivedAt - this.sampledAt > SAMPLE_MAX_AGE_MS;
    if (rtt > this.sampleRttMs && rtt > GOOD_SAMPLE_MS && !stale) return;
    this.offsetMs = redisNowMs - (sentAt + rtt / 2);
    this.sampleRttMs = rtt;
    this.sampledAt = receivedAt;
  }

  /** Replace the registry view: flat node id, expiry (shared clock, ms) pairs. */
  setNodes(flat: readonly string[]): void {
    this.expiries.clear();
    for (let i = 0; i + 1 < flat.length; i += 2) this.expiries.set(flat[i] as string, Number(flat[i + 1]));
  }

  /** True when `node`'s heartbeat has lapsed; a node not (yet) in the view counts as alive. */
  isLapsed(node: string): boolean {
    const expires = this.expiries.get(node);
    return expires !== undefined && expires < this.now();
  }

  /** Every node in the registry (at the last heartbeat). */
  nodes(): string[] {
    return [...this.expiries.keys()];
  }

  /** This node's heartbeat is current (or not). */
  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
  }

  /** Whether this node's heartbeat is current. */
  isHealthy(): boolean {
    return this.healthy;
  }
}
