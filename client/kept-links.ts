/**
 * Connections kept through a rejoin. After a server restart every peer comes back under a new id;
 * a connection that is up (its data channels, its media) is worth keeping, but only for the same
 * remote. So a kept connection is handed to a newly announced peer only once the connection itself
 * has confirmed that peer's id (the remote says it over the link's control channel, which only the
 * endpoint of its DTLS session can do), never because the newcomer has the same username.
 *
 * A peer announced under the username (or the id) of a kept connection that could still confirm
 * waits for that confirmation a while, its signals held; if none comes it gets a fresh connection,
 * and the kept one is closed: its remote did not come back under that name.
 */
import type { PeerInfo } from '../protocol/messages.js';
import type { PeerLink } from './peer-link.js';
import type { SignalMessage } from './signaling-types.js';

/** What {@link KeptLinks} asks of its mesh. */
export interface KeptLinksHost {
  /** Run `task` in order with the mesh's other events. */
  schedule(task: () => void): void;
  /** The kept `link` is `peer`'s (confirmed): it becomes the mesh's link to `peer`. */
  handOver(link: PeerLink, peer: PeerInfo): void;
  /** `peer` gets a fresh connection (initiating it or not, as when it was announced). */
  connectFresh(peer: PeerInfo, initiate: boolean): PeerLink | undefined;
  /** Close a kept link whose remote did not come back. */
  discard(link: PeerLink): void;
}

/** A peer that waits for a kept link to confirm it. */
interface Waiting {
  peer: PeerInfo;
  initiate: boolean;
  /** The kept link that may be its. */
  candidate: PeerLink;
  timer: ReturnType<typeof setTimeout>;
  /** Signals it sent meanwhile, for whichever link it gets. */
  signals: SignalMessage[];
}

/** Signals held for one waiting peer at most; a peer that sends more before it is decided loses the rest. */
const MAX_HELD_SIGNALS = 256;

/** The connections a mesh keeps through a rejoin, by the peer id they had. */
export class KeptLinks {
  private readonly links = new Map<string, PeerLink>();
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly waitMs: number,
    private readonly host: KeptLinksHost,
  ) {}

  /** Keep `link` until its remote is back (or the mesh gives up on it). */
  keep(link: PeerLink): void {
    const stale = this.links.get(link.peer.id);
    if (stale && stale !== link) this.host.discard(stale);
    this.links.set(link.peer.id, link);
  }

  /** Every kept link. */
  all(): PeerLink[] {
    return [...this.links.values()];
  }

  /**
   * A peer was announced: the kept link its id was confirmed for (now taken out of the kept ones),
   * `'waiting'` when a kept link may still confirm it (decided later through the host), or `null`.
   */
  match(peer: PeerInfo, initiate: boolean): PeerLink | 'waiting' | null {
    if (this.waiting.has(peer.id)) return 'waiting';
    for (const link of this.links.values()) {
      if (link.confirmedPeerId === peer.id) {
        this.links.delete(link.peer.id);
        return link;
      }
    }
    const candidate = this.all().find(
      (l) => (l.peer.id === peer.id || l.peer.username === peer.username) && l.canConfirm,
    );
    if (!candidate) return null;
    const timer = setTimeout(() => this.host.schedule(() => this.giveUp(peer.id)), this.waitMs);
    this.waiting.set(peer.id, { peer, initiate, candidate, timer, signals: [] });
    return 'waiting';
  }

  /** The remote of `link` said, over the link, that it is `peerId` now. */
  confirmed(link: PeerLink, peerId: string): void {
    const waiting = this.waiting.get(peerId);
    if (!waiting || this.links.get(link.peer.id) !== link) return;
    this.settle(waiting);
    this.links.delete(link.peer.id);
    this.host.handOver(link, waiting.peer);
    for (const signal of waiting.signals) link.handleSignal(signal);
  }

  /** Hold a signal from a peer that waits for its link; false when its sender does not wait. */
  holdSignal(message: SignalMessage): boolean {
    const waiting = this.waiting.get(message.fromPeerId);
    if (!waiting) return false;
    if (waiting.signals.length < MAX_HELD_SIGNALS) waiting.signals.push(message);
    return true;
  }

  /** The peer left the room: it waits no more. */
  forget(peerId: string): void {
    const waiting = this.waiting.get(peerId);
    if (waiting) this.settle(waiting);
  }

  /** Peers waiting now, for the mesh's membership checks. */
  waitingIds(): string[] {
    return [...this.waiting.keys()];
  }

  /** Stop every wait and hand back every kept link (the mesh closes them). */
  clear(): PeerLink[] {
    for (const waiting of [...this.waiting.values()]) this.settle(waiting);
    const links = this.all();
    this.links.clear();
    return links;
  }

  /** No confirmation came in time: the peer gets a fresh connection, the kept link is closed. */
  private giveUp(peerId: string): void {
    const waiting = this.waiting.get(peerId);
    if (!waiting) return;
    this.settle(waiting);
    const kept = waiting.candidate;
    // Unless it confirmed another id meanwhile (then it waits for that peer), its remote is not back.
    const other = kept.confirmedPeerId !== null && kept.confirmedPeerId !== kept.peer.id;
    if (this.links.get(kept.peer.id) === kept && !other) {
      this.links.delete(kept.peer.id);
      this.host.discard(kept);
    }
    const link = this.host.connectFresh(waiting.peer, waiting.initiate);
    for (const signal of waiting.signals) link?.handleSignal(signal);
  }

  private settle(waiting: Waiting): void {
    clearTimeout(waiting.timer);
    this.waiting.delete(waiting.peer.id);
  }
}
