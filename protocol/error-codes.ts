/**
 * Every error code the server sends, with what it means to a person and what happens to the
 * connection. docs/protocol.md lists the same table; test/unit/protocol-doc.test.ts keeps them in step.
 *
 * policy:
 * - `answer`: an `ERROR` frame, the connection stays open.
 * - `auth`: an `AUTH_ERROR` frame, then the server closes the connection (1008), as the original did.
 * - `close`: an `ERROR` frame, then the connection is closed with `closeCode`.
 */
export const ERROR_CODES = {
  BAD_JSON: { policy: 'answer', message: 'The frame is not valid JSON' },
  BAD_MESSAGE: { policy: 'answer', message: 'The message does not match the schema of its type' },
  UNKNOWN_TYPE: { policy: 'answer', message: 'Unknown message type' },
  BINARY_NOT_SUPPORTED: { policy: 'answer', message: 'Binary frames are not supported; send JSON text' },
  NOT_IDENTIFIED: { policy: 'answer', message: 'Send IDENTIFY first' },
  ALREADY_IDENTIFIED: { policy: 'answer', message: 'This connection is already identified' },
  INVALID_USERNAME: { policy: 'auth', message: 'Invalid username' },
  USERNAME_TAKEN: { policy: 'auth', message: 'Username already taken' },
  UNAUTHORIZED: { policy: 'auth', message: 'Authentication failed' },
  INVALID_ROOM: { policy: 'answer', message: 'Invalid room id' },
  ROOM_FULL: { policy: 'answer', message: 'The room is full' },
  FORBIDDEN_ROOM: { policy: 'answer', message: 'You may not join this room' },
  NOT_IN_ROOM: { policy: 'answer', message: 'You are not in a room' },
  UNKNOWN_PEER: { policy: 'answer', message: 'No such peer in your room' },
  RATE_LIMITED: { policy: 'answer', message: 'Too many messages; slow down' },
  QUEUE_OVERFLOW: {
    policy: 'answer',
    message: 'The target is reconnecting and its queue is full; your oldest message to it was dropped',
  },
  TOO_MANY_INVALID: { policy: 'close', message: 'Too many invalid messages', closeCode: 1008 },
  UNAVAILABLE: { policy: 'answer', message: 'The server cannot do this right now; try again shortly' },
  INTERNAL: { policy: 'answer', message: 'Internal server error' },
} as const satisfies Record<
  string,
  { policy: 'answer' | 'auth' | 'close'; message: string; closeCode?: number }
>;

/** A protocol error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** All error codes, for docs and tests. */
export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** True when the code is refused with AUTH_ERROR and a close rather than ERROR. */
export function isAuthErrorCode(code: ErrorCode): boolean {
  return ERROR_CODES[code].policy === 'auth';
}
