/**
 * Slows down token guessing: an IP whose identifies keep failing (`UNAUTHORIZED`) is refused with
 * `RATE_LIMITED` until its failures drain. A leaky counter per IP, `failuresPerMinute` deep,
 * draining the same amount each minute; the table drops IPs whose counters are empty.
 */
import type { Authenticator } from '../core/authenticator.js';
import { SignalError } from '../core/signal-error.js';

interface FailureRecord {
  level: number;
  at: number;
}

/** Past this many tracked IPs, empty counters are swept on the next failure. */
const SWEEP_AT = 10_000;

/**
 * Wrap `authenticate` so that repeated failures from one IP are throttled; `keyOf` says which
 * addresses count as one client (an IPv6 /64).
 */
export function throttleFailures(
  authenticate: Authenticator,
  failuresPerMinute: number,
  keyOf: (ip: string) => string = (ip) => ip,
  now: () => number = Date.now,
): Authenticator {
  const byIp = new Map<string, FailureRecord>();
  const drainPerMs = failuresPerMinute / 60_000;
  const level = (record: FailureRecord, t: number) =>
    Math.max(0, record.level - (t - record.at) * drainPerMs);

  return async (request) => {
    const t = now();
    const key = keyOf(request.ip);
    const record = byIp.get(key);
    if (record && level(record, t) + 1 > failuresPerMinute) {
      throw new SignalError(
        'RATE_LIMITED',
        'Too many failed identify attempts from your address; try again later',
      );
    }
    try {
      return await authenticate(request);
    } catch (err) {
      if (err instanceof SignalError && err.code === 'UNAUTHORIZED') {
        const after = now();
        const current = byIp.get(key);
        if (!current && byIp.size >= SWEEP_AT) {
          for (const [ip, r] of byIp) if (level(r, after) === 0) byIp.delete(ip);
        }
        byIp.set(key, { level: (current ? level(current, after) : 0) + 1, at: after });
      }
      throw err;
    }
  };
}
