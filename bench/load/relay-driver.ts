/**
 * Drives relay traffic between the paired peers of one generator: closed loop (every delivery
 * triggers the next send, a fixed window in flight per pair) or open loop (a fixed send rate).
 * Nine messages in ten are ICE candidates, one an SDP; each carries its send time.
 */
import { performance } from 'node:perf_hooks';
import type { Peer } from './client.js';
import { readTimestamp } from './payloads.js';

/** What one relay phase measured in this generator. */
export interface RelayResult {
  sent: number;
  received: number;
  /** One-way latencies in ms (sampled: at most `maxSamples`). */
  latencies: number[];
  elapsedMs: number;
}

const DRAIN_TIMEOUT_MS = 5_000;

/** Relay state shared by both loop kinds. */
class Traffic {
  sent = 0;
  received = 0;
  readonly latencies: number[] = [];
  private seq = 0;

  constructor(
    readonly peers: readonly Peer[],
    private readonly maxSamples: number,
  ) {}

  send(from: Peer): void {
    const out = from.out;
    if (!out || from.ws.readyState !== from.ws.OPEN) return;
    const t = this.seq++ % 10 === 9 ? out.sdp : out.candidate;
    from.ws.send(t.head + performance.now().toFixed(3) + t.tail);
    this.sent++;
  }

  receive(frame: Buffer): void {
    this.received++;
    const ts = readTimestamp(frame);
    if (ts === ts && this.latencies.length < this.maxSamples) this.latencies.push(performance.now() - ts);
  }

  /** Wait until every sent message arrived (or the drain timeout). */
  async drain(): Promise<void> {
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (this.received < this.sent && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  detach(): void {
    for (const p of this.peers) p.onFrame = null;
  }
}

/** Closed loop: `window` messages in flight per direction; each delivery sends the next one back. */
export async function closedLoop(
  peers: readonly Peer[],
  durationMs: number,
  window: number,
): Promise<RelayResult> {
  // Latency under saturation is queueing only; a small sample is enough.
  const traffic = new Traffic(peers, 10_000);
  let running = true;
  for (const p of peers) {
    p.onFrame = (frame) => {
      traffic.receive(frame);
      if (running && p.partner) traffic.send(p);
    };
  }
  const start = performance.now();
  for (const p of peers) for (let i = 0; i < window; i++) traffic.send(p);
  await new Promise((r) => setTimeout(r, durationMs));
  running = false;
  await traffic.drain();
  traffic.detach();
  return {
    sent: traffic.sent,
    received: traffic.received,
    latencies: traffic.latencies,
    elapsedMs: performance.now() - start,
  };
}

/** Open loop: `rate` messages per second in total from this generator, spread over its peers. */
export async function openLoop(
  peers: readonly Peer[],
  durationMs: number,
  rate: number,
): Promise<RelayResult> {
  const traffic = new Traffic(peers, 200_000);
  for (const p of peers) p.onFrame = (frame) => traffic.receive(frame);
  const senders = peers.filter((p) => p.partner);
  const start = performance.now();
  let next = 0;
  let attempted = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000);
      // A closed socket sends nothing, so count attempts rather than sends.
      for (let todo = due - attempted; todo > 0; todo--, attempted++) {
        traffic.send(senders[next++ % senders.length] as Peer);
      }
      if (elapsed >= durationMs) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  await traffic.drain();
  traffic.detach();
  return {
    sent: traffic.sent,
    received: traffic.received,
    latencies: traffic.latencies,
    elapsedMs: performance.now() - start,
  };
}
