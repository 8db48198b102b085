/** What to tell a person for each refusal: one sentence saying what happened and what to do. */
import type { SignalroomError } from '../../client/index.js';

/** A message for `error`; `context` supplies the name or room the person typed. */
export function describeError(
  error: SignalroomError,
  context: { username?: string; room?: string } = {},
): string {
  switch (error.code) {
    case 'USERNAME_TAKEN':
      return `The name “${context.username ?? ''}” is already taken. Pick another name.`;
    case 'INVALID_USERNAME':
      return `That name cannot be used: ${error.message}.`;
    case 'UNAUTHORIZED':
      return 'The server refused to let you in (authentication failed).';
    case 'INVALID_ROOM':
      return `That room name cannot be used: ${error.message}.`;
    case 'ROOM_FULL':
      return `The room “${context.room ?? ''}” is full. Try another room.`;
    case 'FORBIDDEN_ROOM':
      return `You may not join the room “${context.room ?? ''}”.`;
    case 'RATE_LIMITED':
      return 'Too many messages at once — slow down a little.';
    case 'UNAVAILABLE':
      return 'The server cannot do that right now. Try again in a moment.';
    case 'CONNECTION_FAILED':
      return 'Cannot reach the signaling server. Is it running?';
    case 'RECONNECT_FAILED':
      return 'Lost the connection to the server and could not get it back. Join again to retry.';
    case 'TIMEOUT':
      return 'The server did not answer in time. Try again.';
    default:
      return `${error.message} (${error.code})`;
  }
}
