/**
 * Every check a connection passes before the WebSocket handshake. At the TCP accept: the node's
 * and the client IP's open connections (every connection counts, plain HTTP too, so slow or idle
 * HTTP sockets cannot exhaust the process's file descriptors). At the upgrade: header count,
 * attempts per IP, the per-IP count of a client a trusted proxy names, and the Origin policy. A
 * refusal is a plain HTTP status; nothing of the WebSocket machinery is built for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ConnectionAdmission, type AdmissionLimits, type Refusal } from './admission.js';
import { TrustedProxies, clientAddress } from './client-address.js';
import { ipLimitKey } from './ip-key.js';
import { originAllowed, type OriginPolicy } from './origin.js';

/** Browsers send about 15 headers with an upgrade; an upgrade with hundreds is an attack, not a client. */
export const MAX_UPGRADE_HEADERS = 100;

/** Options of the upgrade checks. */
export interface UpgradeGuardOptions extends AdmissionLimits {
  allowedOrigins: readonly string[];
  requireOrigin: boolean;
  /** The server serves TLS itself. */
  tls: boolean;
  /** Reverse proxies (IPs or CIDR subnets) whose X-Forwarded-For/-Proto are believed. */
  trustProxy: readonly string[];
  /** IPv6 clients count per prefix of this length (see ip-key.ts). */
  ipv6PrefixLength: number;
}

/**
 * The outcome of the checks. `proxied`: the client came through a trusted proxy and holds a per-IP
 * slot of its own, which the caller releases with {@link UpgradeGuard.releaseClient}.
 */
export type UpgradeVerdict =
  { ok: true; ip: string; proxied: boolean } | { ok: false; status: number; text: string; ip: string };

/** Decides, per TCP connection and per upgrade request, whether it may go ahead. */
export class UpgradeGuard {
  private readonly admission: ConnectionAdmission;
  private readonly proxies: TrustedProxies;
  /** The 'close' listener of every admitted socket: one function, no closure per socket. */
  readonly socketClosed: (this: Socket) => void;

  constructor(
    private readonly options: UpgradeGuardOptions,
    private readonly logger: Logger,
  ) {
    this.admission = new ConnectionAdmission(options);
    this.proxies = new TrustedProxies(options.trustProxy);
    if (options.allowedOrigins.includes('*')) {
      logger.warn(
        '--allowed-origins contains *: any web page may open signaling connections for its visitors',
      );
    }
    const admission = this.admission;
    const keyOf = (socket: Socket) => this.socketKey(socket);
    this.socketClosed = function (this: Socket) {
      admission.releaseSocket(keyOf(this));
    };
  }

  /**
   * A TCP connection was accepted: count it (released by {@link socketClosed}, which the caller
   * adds), or return the refusal to answer it with.
   */
  admitSocket(socket: Socket): Refusal | null {
    const key = this.socketKey(socket);
    const refusal = this.admission.admitSocket(key);
    if (refusal) {
      this.logger.warn({ ip: socket.remoteAddress, reason: refusal.reason }, 'connection refused: limit');
    }
    return refusal;
  }

  /** Run the upgrade checks. */
  check(req: IncomingMessage): UpgradeVerdict {
    const address = clientAddress(req, this.proxies);
    const ip = address.ip;
    if (req.rawHeaders.length / 2 > MAX_UPGRADE_HEADERS) {
      this.logger.info({ ip, headers: req.rawHeaders.length / 2 }, 'upgrade refused: too many headers');
      return { ok: false, status: 431, text: 'Request Header Fields Too Large', ip };
    }
    const key = this.limitKey(ip);
    // A direct client's connection was counted at its accept; a proxied one is counted here.
    const proxied = this.proxies.trusts(req.socket.remoteAddress ?? '');
    const refusal = this.admission.attempt(key) ?? (proxied ? this.admission.admitClient(key) : null);
    if (refusal) {
      this.logger.warn({ ip, reason: refusal.reason }, 'upgrade refused: connection limit');
      return { ok: false, status: refusal.status, text: refusal.text, ip };
    }
    const policy: OriginPolicy = {
      allowedOrigins: this.options.allowedOrigins,
      requireOrigin: this.options.requireOrigin,
      scheme: this.options.tls || address.forwardedHttps ? 'https' : 'http',
    };
    if (!originAllowed(req.headers.origin, req.headers.host, policy)) {
      if (proxied) this.releaseClient(ip);
      // Cross-site WebSocket hijacking: refused before the upgrade, so the page learns nothing.
      this.logger.info({ ip, origin: clip(req.headers.origin) }, 'upgrade refused: origin not allowed');
      return { ok: false, status: 403, text: 'Forbidden', ip };
    }
    return { ok: true, ip, proxied };
  }

  /** A proxied client admitted by {@link check} is gone. */
  releaseClient(ip: string): void {
    this.admission.releaseClient(this.limitKey(ip));
  }

  /** TCP connections admitted and still open. */
  openConnections(): number {
    return this.admission.openConnections();
  }

  /** A socket's per-IP key, or `null` for a trusted proxy's (its clients are counted at the upgrade). */
  private socketKey(socket: Socket): string | null {
    // Read at the accept, so node caches it: the same key when the socket closes.
    const peer = socket.remoteAddress ?? 'unknown';
    return this.proxies.trusts(peer) ? null : this.limitKey(peer);
  }

  /** The key the per-IP limits count `ip` under (an IPv6 address's prefix, see ip-key.ts). */
  limitKey(ip: string): string {
    return ipLimitKey(ip, this.options.ipv6PrefixLength);
  }
}

function clip(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
