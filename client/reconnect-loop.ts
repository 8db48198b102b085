/**
 * The reconnection loop: after a drop, wait as the policy says, open a new socket and restore the
 * session; after each failed attempt, decide whether another one could succeed.
 */
import { CLOSE_CODES } from '../protocol/close-codes.js';
import { SignalroomError } from './errors.js';
import type { ReconnectPolicy } from './reconnect-policy.js';
import type { ConnectionState, ReconnectOutcome } from './signaling-types.js';

// Closes after which reconnecting would only repeat the refusal.
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.NORMAL.code,
  CLOSE_CODES.POLICY.code,
  CLOSE_CODES.REPLACED.code,
  CLOSE_CODES.KICKED.code,
]);
// Identification refusals worth retrying while reconnecting: the server may still hold the old session.
const RETRYABLE_AUTH_CODES: ReadonlySet<string> = new Set(['USERNAME_TAKEN', 'UNAVAILABLE', 'INTERNAL']);

/** True when a connection closed with `code` must not be reconnected. */
export function isFinalClose(code: number): boolean {
  return FINAL_CLOSE_CODES.has(code);
}

/** What a {@link ReconnectLoop} drives in its client. */
export interface ReconnectHost {
  /** The client's connection state; the loop ends once it is no longer `reconnecting`. */
  state(): ConnectionState;
  /** Move the client to `state`. */
  setState(state: ConnectionState): void;
  /** Open a new socket; rejects when it cannot. */
  openSocket(): Promise<void>;
  /** Identify again (resuming when possible) and rejoin the room over the new socket. */
  restoreSession(): Promise<ReconnectOutcome>;
  /** Detach and close the socket of a failed attempt. */
  abandonSocket(): void;
  /** Forget the resume token; false when there was none. */
  dropResumeToken(): boolean;
  /** Drop the signals held while reconnecting. */
  clearQueue(): void;
  /** Close for good and report `error`. */
  giveUp(error: SignalroomError): void;
  /** The session is back: the client is connected again. */
  reconnected(outcome: ReconnectOutcome, attempts: number): void;
}

/** Reconnects a client after a drop, as its policy allows. */
export class ReconnectLoop {
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly host: ReconnectHost,
  ) {}

  /** End the current wait at once (the client closed: the loop notices and stops). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Reconnect after a drop with `closeCode`; settles once connected again or given up. */
  async run(closeCode: number): Promise<void> {
    const host = this.host;
    host.setState('reconnecting');
    const lostAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      const delay = this.policy.nextDelayMs({ attempt, elapsedMs: Date.now() - lostAt, closeCode });
      if (delay === null) {
        host.clearQueue();
        host.giveUp(SignalroomError.client('RECONNECT_FAILED'));
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = null;
      if (host.state() !== 'reconnecting') return;
      try {
        await host.openSocket();
        const outcome = await host.restoreSession();
        host.reconnected(outcome, attempt + 1);
        return;
      } catch (err) {
        if (host.state() !== 'reconnecting') return;
        const error =
          err instanceof SignalroomError ? err : SignalroomError.client('CONNECTION_FAILED', String(err));
        host.abandonSocket();
        if (error.isAuthError && !RETRYABLE_AUTH_CODES.has(error.code) && error.code !== 'UNAUTHORIZED') {
          host.giveUp(error);
          return;
        }
        // A stale resume token: the next attempt identifies afresh. Without one, the token is refused.
        if (error.code === 'UNAUTHORIZED' && !host.dropResumeToken()) {
          host.giveUp(error);
          return;
        }
      }
    }
  }
}
