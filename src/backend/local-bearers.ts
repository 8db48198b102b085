/**
 * The bearer tokens of the sessions this node holds, by the hash of each token: the whole bearer
 * index of the memory backend, and the Redis backend's copy of what it wrote for this node (it
 * answers for local sessions without a round trip and rewrites Redis from it after a data loss).
 */
import type { BearerHolder } from './backend.js';

/** Token hash → the session it names, on this node. */
export class LocalBearers {
  private readonly byKey = new Map<string, BearerHolder>();

  /** `key` names `holder` (a later session presenting the same token takes the key over). */
  add(key: string, holder: BearerHolder): void {
    this.byKey.set(key, holder);
  }

  /** Forget `key` if it still names `holder`; true when it did. */
  drop(key: string, holder: BearerHolder): boolean {
    if (this.byKey.get(key) !== holder) return false;
    this.byKey.delete(key);
    return true;
  }

  /** The session `key` names here, if any. */
  get(key: string): BearerHolder | undefined {
    return this.byKey.get(key);
  }

  /** Every key with its session. */
  entries(): IterableIterator<[string, BearerHolder]> {
    return this.byKey.entries();
  }

  get size(): number {
    return this.byKey.size;
  }

  clear(): void {
    this.byKey.clear();
  }
}
