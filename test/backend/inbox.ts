/** A {@link LocalDelivery} that records what a backend hands to local peers, for assertions. */
import type { LocalDelivery } from '../../src/backend/backend.js';
import type { OutFrame } from '../../protocol/frame.js';

/** A delivered frame, parsed. */
export type Delivered = { to: string; msg: { type: string; [key: string]: unknown } };

const SAFETY_MS = 10_000;

/** Records deliveries; `waitFor` resolves when a condition holds (event-driven, with a safety timeout). */
export class Inbox implements LocalDelivery {
  readonly all: Delivered[] = [];
  /** Peers the backend asked this node to kick, as `roomId/peerId`. */
  readonly kicks: string[] = [];
  private waiters: Array<() => void> = [];

  deliverLocal(peerId: string, frame: OutFrame): void {
    this.all.push({ to: peerId, msg: JSON.parse(frame.text) as Delivered['msg'] });
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** This node holds no peer for resume. */
  releaseHeld(): null {
    return null;
  }

  /** No live session here to take over. */
  async holdLive(): Promise<boolean> {
    return false;
  }

  /** Nothing to evict: the peers are only ids here. */
  evict(): void {}

  /** What the core would do with a kicked peer (close it and leave the room); nothing by default. */
  onKick: ((peerId: string, roomId: string) => void) | null = null;

  kickLocal(peerId: string, roomId: string): boolean {
    this.kicks.push(`${roomId}/${peerId}`);
    this.onKick?.(peerId, roomId);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return true;
  }

  /** Wait until this node was asked to kick `count` peers; returns the kicks. */
  async waitKicks(count: number): Promise<string[]> {
    const deadline = Date.now() + SAFETY_MS;
    while (this.kicks.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${this.kicks.length} of ${count} kicks`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.kicks;
  }

  /** Messages delivered to one peer, in order. */
  of(peerId: string): Delivered['msg'][] {
    return this.all.filter((d) => d.to === peerId).map((d) => d.msg);
  }

  /** Wait until `peerId` has received `count` messages; returns them. */
  async waitCount(peerId: string, count: number): Promise<Delivered['msg'][]> {
    const deadline = Date.now() + SAFETY_MS;
    while (this.of(peerId).length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`peer ${peerId} got ${this.of(peerId).length} of ${count} messages`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.of(peerId);
  }
}
