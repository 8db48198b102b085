/** An error the client caused, carrying a protocol error code. */
import { ERROR_CODES, type ErrorCode } from '../../protocol/error-codes.js';

/** Thrown inside the core for any refusal; the core turns it into `ERROR` or `AUTH_ERROR`. */
export class SignalError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code].message) {
    super(message);
    this.name = 'SignalError';
    this.code = code;
  }
}
