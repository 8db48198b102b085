/**
 * The `RATE_LIMITED` refusal with its additive fields: when to send again (`retryAfterMs`) and
 * which frame was refused (`frame`, its number among the client's frames after IDENTIFY), so a
 * client can hold exactly the refused messages and send them again in order.
 */
import { ERROR_CODES } from './error-codes.js';
import { OutFrame } from './frame.js';

/** What a rate-limit refusal says besides its code. */
export interface RateLimitedFields {
  /** Human text; defaults to the code's registered message. */
  message?: string;
  /** The refused message's type, when the server decoded it. */
  ref?: string;
  /** Milliseconds after which the client may send again. */
  retryAfterMs: number;
  /** The refused frame's number (1 = the first frame after IDENTIFY); absent before identification. */
  frame?: number;
  /**
   * For a refused signal: how many signals the client may send at once after `retryAfterMs`, and
   * how many a second after those, so a client with many held signals paces them instead of being
   * refused again (and closed for it) by sending them all at once.
   */
  retryBurst?: number;
  retryPerSecond?: number;
}

/** An `ERROR` frame with code `RATE_LIMITED`; optional fields only when present. */
export function encodeRateLimited(fields: RateLimitedFields): OutFrame {
  const out: Record<string, string | number> = {
    type: 'ERROR',
    code: 'RATE_LIMITED',
    message: fields.message ?? ERROR_CODES.RATE_LIMITED.message,
  };
  if (fields.ref !== undefined) out.ref = fields.ref;
  out.retryAfterMs = Math.max(0, Math.ceil(fields.retryAfterMs));
  if (fields.frame !== undefined) out.frame = fields.frame;
  if (fields.retryBurst !== undefined) out.retryBurst = Math.max(1, Math.floor(fields.retryBurst));
  if (fields.retryPerSecond !== undefined) out.retryPerSecond = fields.retryPerSecond;
  return new OutFrame('ERROR', JSON.stringify(out));
}
