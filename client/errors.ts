/** The one error type of the SDK: refusals by the server carry the protocol's error code. */
import { ERROR_CODES, type ErrorCode } from '../protocol/error-codes.js';

/** Codes for failures the SDK detects itself (the server never sends these). */
export const CLIENT_ERROR_CODES = {
  CONNECTION_FAILED: 'The WebSocket connection could not be opened',
  CONNECTION_CLOSED: 'The connection closed before the server answered',
  NOT_CONNECTED: 'Not connected to the signaling server',
  NOT_IDENTIFIED: 'Identify before joining a room',
  TIMEOUT: 'The server did not answer in time',
  RECONNECT_FAILED: 'Gave up reconnecting to the signaling server',
  CLOSED: 'The client was closed',
  PEER_CONNECTION: 'A peer connection operation failed',
} as const;

/** A code the SDK itself raises. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;
/** Any code a {@link SignalroomError} can carry. */
export type SignalroomErrorCode = ErrorCode | ClientErrorCode;

/** An error with a stable `code`: a protocol error code from the server, or a client-side one. */
export class SignalroomError extends Error {
  /** The protocol error code (`USERNAME_TAKEN`, `ROOM_FULL`, …) or a {@link ClientErrorCode}. */
  readonly code: SignalroomErrorCode;
  /** True when the server sent it (`ERROR` or `AUTH_ERROR`). */
  readonly fromServer: boolean;
  /** For server `ERROR`s: the type of the message that was refused. */
  readonly ref: string | undefined;

  constructor(code: SignalroomErrorCode, message: string, fromServer: boolean, ref?: string) {
    super(message);
    this.name = 'SignalroomError';
    this.code = code;
    this.fromServer = fromServer;
    this.ref = ref;
  }

  /** From an `ERROR` or `AUTH_ERROR` frame. A newer server may send a code this SDK does not list; it is kept verbatim. */
  static fromServer(frame: { code: string; message: string; ref?: string }): SignalroomError {
    return new SignalroomError(frame.code as SignalroomErrorCode, frame.message, true, frame.ref);
  }

  /** A failure detected by the SDK. */
  static client(code: ClientErrorCode, message: string = CLIENT_ERROR_CODES[code]): SignalroomError {
    return new SignalroomError(code, message, false);
  }

  /** True when identification was refused (the server closed the connection). */
  get isAuthError(): boolean {
    return this.code in ERROR_CODES && ERROR_CODES[this.code as ErrorCode].policy === 'auth';
  }
}
