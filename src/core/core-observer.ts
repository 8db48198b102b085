/**
 * What the core and the transport report as they work, so metrics (src/metrics/) can count it
 * without the core knowing about prom-client. Every method is called on hot paths: an
 * implementation must not allocate or block. {@link NO_OBSERVER} is the default.
 */
import type { ErrorCode } from '../../protocol/error-codes.js';
import type { OutFrame } from '../../protocol/frame.js';

/** Events of the signaling core and its transport. */
export interface CoreObserver {
  /** True when {@link relayTime} wants measurements; the core reads the clock only then. */
  readonly timesRelay: boolean;
  /** A connection was accepted. */
  connectionOpened(): void;
  /** A client frame was decoded (`type`), or could not be (`invalid`). */
  messageIn(type: string): void;
  /** The transport queued one frame to a client (count it by `frame.type`). */
  messageOut(frame: OutFrame): void;
  /** Time a relay took in the core (decode done → handed to the backend), in seconds. */
  relayTime(seconds: number): void;
  /** A refusal was sent with `code` (ERROR or AUTH_ERROR). */
  error(code: ErrorCode): void;
  /** A frame or connection was dropped by a rate limit. */
  rateLimited(): void;
  /** A client was closed because it did not read its output (4002). */
  slowConsumer(): void;
  /** A held session was resumed. */
  resumed(): void;
}

/** The observer that ignores everything (metrics off, tests, embedding without metrics). */
export const NO_OBSERVER: CoreObserver = {
  timesRelay: false,
  connectionOpened: () => undefined,
  messageIn: () => undefined,
  messageOut: () => undefined,
  relayTime: () => undefined,
  error: () => undefined,
  rateLimited: () => undefined,
  slowConsumer: () => undefined,
  resumed: () => undefined,
};
