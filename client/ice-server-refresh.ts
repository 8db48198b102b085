/**
 * Keeps time-limited TURN credentials fresh. The credentials a peer got in `AUTH_SUCCESS` stop
 * working after `--turn-ttl`; before that (at `ratio` of their lifetime) fresh ones are fetched from
 * the server's ICE servers endpoint with the session's bearer token, and handed to every connection
 * (`setConfiguration`), so the next ICE restart (and every new connection) allocates with them.
 */
import type { IceServer } from '../protocol/messages.js';
import { credentialsExpireAt, requestIceServers } from './ice-servers.js';

/** What the refresh asks of its owner. */
export interface IceServerRefreshHost {
  /** The endpoint answering `{ iceServers, ttlSeconds }`, or null when there is none. */
  url(): string | null;
  /** The bearer token for it (the session's), or null. */
  token(): string | null;
  /** New servers to use from now on. */
  apply(servers: IceServer[]): void;
}

// Never ask more often than this, whatever the lifetime says (a clock far off, a tiny TTL).
const MIN_DELAY_MS = 1000;
// After a failed request, try again after this share of the lifetime.
const RETRY_SHARE = 0.05;

/** The current ICE servers and the timer that renews their credentials. */
export class IceServerRefresh {
  private servers: IceServer[] = [];
  private lifetimeMs: number | undefined;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<boolean> | null = null;
  private closed = false;

  /** `ratio`: the share of the credentials' lifetime after which they are renewed (0 < ratio < 1). */
  constructor(
    private readonly host: IceServerRefreshHost,
    private readonly ratio: number,
  ) {}

  /** The servers in use. */
  get current(): IceServer[] {
    return this.servers;
  }

  /** True when the servers in use carry credentials that expire (so a refresh is worth a request). */
  get expiring(): boolean {
    return credentialsExpireAt(this.servers) !== undefined;
  }

  /** Use `servers` from now on and plan their renewal; `ttlSeconds` when the server said it. */
  use(servers: IceServer[], ttlSeconds?: number): void {
    this.servers = servers;
    this.host.apply(servers);
    const expiresAt = credentialsExpireAt(servers);
    // The server's TTL is immune to a skewed local clock; the username's expiry is all AUTH_SUCCESS gives.
    this.lifetimeMs = ttlSeconds !== undefined ? ttlSeconds * 1000 : expiresAt && expiresAt - Date.now();
    if (expiresAt !== undefined && this.lifetimeMs !== undefined) this.schedule(this.lifetimeMs * this.ratio);
    else this.cancel();
  }

  /** Fetch fresh servers now (one request at a time); resolves true when they arrived and are in use. */
  refresh(): Promise<boolean> {
    this.inFlight ??= this.fetch().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  /** Stop renewing. */
  close(): void {
    this.closed = true;
    this.cancel();
  }

  private async fetch(): Promise<boolean> {
    const url = this.host.url();
    if (url === null || this.closed) return false;
    const answer = await requestIceServers(url, { token: this.host.token() });
    if (this.closed) return false;
    if (!answer) {
      if (this.lifetimeMs !== undefined) this.schedule(this.lifetimeMs * RETRY_SHARE);
      return false;
    }
    this.use(answer.iceServers, answer.ttlSeconds);
    return true;
  }

  private schedule(delayMs: number): void {
    this.cancel();
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(MIN_DELAY_MS, delayMs));
    // In Node, a pending renewal alone must not keep the process running.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
