/**
 * Every check an upgrade request passes before the WebSocket handshake: header count, per-IP and
 * per-node connection limits, and the Origin policy. A refusal is a plain HTTP status; nothing of
 * the WebSocket machinery is built for it.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { ConnectionAdmission, type AdmissionLimits } from './admission.js';
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

/** The outcome of the checks. */
export type UpgradeVerdict =
  { ok: true; ip: string } | { ok: false; status: number; text: string; ip: string };

/** Decides, per upgrade request, whether the handshake may go ahead. */
export class UpgradeGuard {
  private readonly admission: ConnectionAdmission;
  private readonly proxies: TrustedProxies;

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
  }

  /** Run the checks; on `ok` the caller must call {@link release} with the ip once the socket closes. */
  check(req: IncomingMessage): UpgradeVerdict {
    const address = clientAddress(req, this.proxies);
    const ip = address.ip;
    if (req.rawHeaders.length / 2 > MAX_UPGRADE_HEADERS) {
      this.logger.info({ ip, headers: req.rawHeaders.length / 2 }, 'upgrade refused: too many headers');
      return { ok: false, status: 431, text: 'Request Header Fields Too Large', ip };
    }
    const refusal = this.admission.admit(this.limitKey(ip));
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
      this.release(ip);
      // Cross-site WebSocket hijacking: refused before the upgrade, so the page learns nothing.
      this.logger.info({ ip, origin: clip(req.headers.origin) }, 'upgrade refused: origin not allowed');
      return { ok: false, status: 403, text: 'Forbidden', ip };
    }
    return { ok: true, ip };
  }

  /** A connection admitted by {@link check} is gone. */
  release(ip: string): void {
    this.admission.release(this.limitKey(ip));
  }

  private limitKey(ip: string): string {
    return ipLimitKey(ip, this.options.ipv6PrefixLength);
  }

  /** Connections admitted and still open. */
  openConnections(): number {
    return this.admission.openConnections();
  }
}

function clip(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
