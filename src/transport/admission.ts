/**
 * Connection limits: open TCP connections on this node and per client IP (every connection, plain
 * HTTP or WebSocket, from its accept to its close), and WebSocket upgrade attempts per IP (a token
 * bucket: a burst at once, such as a class opening the page together, then a rate). A trusted
 * proxy's connections count on the node only; the clients it names are counted per IP at their
 * upgrade.
 */

/** The limits; each is a count, see docs/security.md. */
export interface AdmissionLimits {
  /** Open TCP connections on this node; beyond it new ones get HTTP 503. */
  maxConnections: number;
  /** Open connections from one client IP; beyond it new ones get HTTP 429. */
  maxConnectionsPerIp: number;
  /** Upgrade attempts from one IP per second, after the burst; beyond it HTTP 429. */
  maxAttemptsPerIpPerSecond: number;
  /** Upgrade attempts one IP may make at once; default: one second's worth. */
  attemptBurst?: number;
}

/** Why a connection or upgrade was refused, as the HTTP status and text to answer with. */
export interface Refusal {
  status: 429 | 503;
  text: string;
  reason: 'node-full' | 'ip-connections' | 'ip-attempts';
}

interface IpRecord {
  open: number;
  /** Attempt tokens left at `tokensAt`. */
  tokens: number;
  tokensAt: number;
}

/** Entries kept for IPs with no open connection; past this, idle ones are swept. */
const SWEEP_AT = 10_000;

const NODE_FULL: Refusal = { status: 503, text: 'Service Unavailable', reason: 'node-full' };
const IP_CONNECTIONS: Refusal = { status: 429, text: 'Too Many Requests', reason: 'ip-connections' };
const IP_ATTEMPTS: Refusal = { status: 429, text: 'Too Many Requests', reason: 'ip-attempts' };

/** Counts connections per node and per IP key and decides whether another one may start. */
export class ConnectionAdmission {
  private open = 0;
  private readonly byIp = new Map<string, IpRecord>();
  private readonly attemptBurst: number;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.attemptBurst = limits.attemptBurst ?? limits.maxAttemptsPerIpPerSecond;
  }

  /**
   * A TCP connection from `key` (`null` for a trusted proxy) was accepted; `null` admits it (call
   * {@link releaseSocket} with the same key when it closes).
   */
  admitSocket(key: string | null): Refusal | null {
    if (this.open >= this.limits.maxConnections) return NODE_FULL;
    if (key !== null) {
      const refusal = this.admitClient(key);
      if (refusal) return refusal;
    }
    this.open++;
    return null;
  }

  /** A connection admitted by {@link admitSocket} has closed. */
  releaseSocket(key: string | null): void {
    if (this.open === 0) return;
    this.open--;
    if (key !== null) this.releaseClient(key);
  }

  /** Take an attempt token for one upgrade from `key`; a refusal when its bucket is empty. */
  attempt(key: string): Refusal | null {
    const now = this.now();
    const record = this.record(key, now);
    record.tokens = this.tokensAt(record, now);
    record.tokensAt = now;
    if (record.tokens < 1) return IP_ATTEMPTS;
    record.tokens -= 1;
    return null;
  }

  /**
   * One more open connection for `key` without a node slot: a client a trusted proxy names, whose
   * TCP connection is the proxy's. `null` admits it (call {@link releaseClient} when it closes).
   */
  admitClient(key: string): Refusal | null {
    const record = this.record(key, this.now());
    if (record.open >= this.limits.maxConnectionsPerIp) return IP_CONNECTIONS;
    record.open++;
    return null;
  }

  /** A connection admitted by {@link admitClient} has closed. */
  releaseClient(key: string): void {
    const record = this.byIp.get(key);
    if (!record || record.open === 0) return;
    record.open--;
    if (record.open === 0 && this.idle(record, this.now())) this.byIp.delete(key);
  }

  /** Open admitted TCP connections (all IPs). */
  openConnections(): number {
    return this.open;
  }

  /** IPs currently tracked, for tests that check the table does not grow without bound. */
  trackedIps(): number {
    return this.byIp.size;
  }

  private record(key: string, now: number): IpRecord {
    let record = this.byIp.get(key);
    if (!record) {
      if (this.byIp.size >= SWEEP_AT) this.sweep(now);
      record = { open: 0, tokens: this.attemptBurst, tokensAt: now };
      this.byIp.set(key, record);
    }
    return record;
  }

  private sweep(now: number): void {
    for (const [ip, record] of this.byIp) {
      if (record.open === 0 && this.idle(record, now)) this.byIp.delete(ip);
    }
  }

  /** The attempt tokens of `record` at `now`. */
  private tokensAt(record: IpRecord, now: number): number {
    const refill = ((now - record.tokensAt) * this.limits.maxAttemptsPerIpPerSecond) / 1000;
    return Math.min(this.attemptBurst, record.tokens + refill);
  }

  /** True when forgetting `record` changes nothing: its attempt bucket is full again. */
  private idle(record: IpRecord, now: number): boolean {
    return this.tokensAt(record, now) >= this.attemptBurst;
  }
}
