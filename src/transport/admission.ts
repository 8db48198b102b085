/**
 * Connection limits checked at the upgrade, before any WebSocket state exists: total connections
 * on this node, concurrent connections per IP, and connection attempts per IP per second.
 */

/** The limits; each is a count, see docs/security.md. */
export interface AdmissionLimits {
  /** Open connections on this node; beyond it upgrades get HTTP 503. */
  maxConnections: number;
  /** Open connections from one IP; beyond it upgrades get HTTP 429. */
  maxConnectionsPerIp: number;
  /** Upgrade attempts from one IP within one second; beyond it HTTP 429. */
  maxAttemptsPerIpPerSecond: number;
}

/** Why an upgrade was refused, as the HTTP status and text to answer with. */
export interface Refusal {
  status: 429 | 503;
  text: string;
  reason: 'node-full' | 'ip-connections' | 'ip-attempts';
}

interface IpRecord {
  open: number;
  attempts: number;
  windowStart: number;
}

/** Entries kept for IPs with no open connection; past this, idle ones are swept. */
const SWEEP_AT = 10_000;

/** Counts connections per node and per IP and decides whether another one may start. */
export class ConnectionAdmission {
  private open = 0;
  private readonly byIp = new Map<string, IpRecord>();

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Count one upgrade attempt from `ip`; `null` admits it (call {@link release} when it closes). */
  admit(ip: string): Refusal | null {
    const now = this.now();
    let record = this.byIp.get(ip);
    if (!record) {
      if (this.byIp.size >= SWEEP_AT) this.sweep(now);
      record = { open: 0, attempts: 0, windowStart: now };
      this.byIp.set(ip, record);
    }
    if (now - record.windowStart >= 1000) {
      record.windowStart = now;
      record.attempts = 0;
    }
    record.attempts++;
    if (record.attempts > this.limits.maxAttemptsPerIpPerSecond) {
      return { status: 429, text: 'Too Many Requests', reason: 'ip-attempts' };
    }
    if (this.open >= this.limits.maxConnections) {
      return { status: 503, text: 'Service Unavailable', reason: 'node-full' };
    }
    if (record.open >= this.limits.maxConnectionsPerIp) {
      return { status: 429, text: 'Too Many Requests', reason: 'ip-connections' };
    }
    record.open++;
    this.open++;
    return null;
  }

  /** An admitted connection from `ip` has closed (or its handshake failed). */
  release(ip: string): void {
    const record = this.byIp.get(ip);
    if (!record || record.open === 0) return;
    record.open--;
    this.open--;
    if (record.open === 0 && this.now() - record.windowStart >= 1000) this.byIp.delete(ip);
  }

  /** Open admitted connections (all IPs). */
  openConnections(): number {
    return this.open;
  }

  /** IPs currently tracked, for tests that check the table does not grow without bound. */
  trackedIps(): number {
    return this.byIp.size;
  }

  private sweep(now: number): void {
    for (const [ip, record] of this.byIp) {
      if (record.open === 0 && now - record.windowStart >= 1000) this.byIp.delete(ip);
    }
  }
}
