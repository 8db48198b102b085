/**
 * Time-limited TURN credentials in coturn's TURN REST format (`use-auth-secret`): the username is
 * `<expiry unix time>:<peerId>` and the password is base64(HMAC-SHA1(username, secret)). coturn
 * checks the HMAC with its `static-auth-secret` and refuses the username once its time has passed,
 * so no per-user state is shared between signalroom and coturn.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '../../protocol/messages.js';

/** What the ICE server list is built from (`--stun-urls`, `--turn-urls`, `--turn-secret`, `--turn-ttl`). */
export interface TurnOptions {
  stunUrls: readonly string[];
  turnUrls: readonly string[];
  /** Shared secrets; the first signs, the others exist so coturn can be rotated first. */
  secrets: readonly string[];
  ttlSeconds: number;
}

/** Throw an error when TURN URLs and secrets are not given together. */
export function checkTurnOptions(options: TurnOptions): void {
  if (options.turnUrls.length > 0 && options.secrets.length === 0) {
    throw new Error('--turn-urls: needs --turn-secret (the static-auth-secret of coturn)');
  }
  if (options.secrets.length > 0 && options.turnUrls.length === 0) {
    throw new Error('--turn-secret: needs --turn-urls to hand out');
  }
}

/** The password coturn expects for `username` under `secret`. */
export function turnPassword(username: string, secret: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/** A TURN REST username for `peerId` valid until `expiresAt` (unix seconds). */
export function turnUsername(expiresAt: number, peerId: string): string {
  return `${expiresAt}:${peerId}`;
}

/** Builds the `iceServers` a peer gets in AUTH_SUCCESS and from `GET /api/ice-servers`. */
export class IceServerIssuer {
  constructor(
    private readonly options: TurnOptions,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True when there is anything to hand out. */
  get enabled(): boolean {
    return this.options.stunUrls.length > 0 || this.options.turnUrls.length > 0;
  }

  /** Fresh ICE servers for `peerId`, or `undefined` when none are configured. */
  issue(peerId: string): IceServer[] | undefined {
    if (!this.enabled) return undefined;
    const servers: IceServer[] = [];
    if (this.options.stunUrls.length > 0) servers.push({ urls: [...this.options.stunUrls] });
    const secret = this.options.secrets[0];
    if (this.options.turnUrls.length > 0 && secret !== undefined) {
      const expiresAt = Math.floor(this.nowMs() / 1000) + this.options.ttlSeconds;
      const username = turnUsername(expiresAt, peerId);
      servers.push({
        urls: [...this.options.turnUrls],
        username,
        credential: turnPassword(username, secret),
      });
    }
    return servers;
  }

  /** Lifetime of issued credentials, in seconds (clients refresh before it ends). */
  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }
}
