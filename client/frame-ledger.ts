/**
 * Frame counts for exactly-once resume (docs/reliability.md): the client counts the frames it
 * received after AUTH_SUCCESS and those it sent after IDENTIFY, and keeps the recent sent ones.
 * A resume tells the server how many arrived (it replays the rest); the server's answer says how
 * many of ours it processed, and exactly the ones after that are sent again.
 */

/** Counts and recent output of one session, across its resumes. */
export class FrameLedger {
  /** Frames received after AUTH_SUCCESS. */
  received = 0;
  /** Frames sent after IDENTIFY. */
  private sentCount = 0;
  private readonly recent: string[] = [];

  constructor(private readonly maxKept: number) {}

  /** A new session begins (a fresh IDENTIFY): every count starts again. */
  reset(): void {
    this.received = 0;
    this.sentCount = 0;
    this.recent.length = 0;
  }

  /** A frame was written after IDENTIFY. */
  sent(frame: string): void {
    this.sentCount++;
    this.recent.push(frame);
    if (this.recent.length > this.maxKept) this.recent.shift();
  }

  /** Frames sent so far in this session. */
  get sentTotal(): number {
    return this.sentCount;
  }

  /**
   * The frames the server did not process, given its count; `null` when they are no longer kept
   * (or the count is impossible), and the session cannot continue without a gap.
   */
  unprocessed(serverReceived: number): string[] | null {
    const missing = this.sentCount - serverReceived;
    if (missing < 0 || missing > this.recent.length) return null;
    return this.recent.slice(this.recent.length - missing);
  }

  /** The frames about to be sent again are counted again when written: forget them first. */
  rewind(serverReceived: number): void {
    const missing = this.sentCount - serverReceived;
    this.recent.splice(this.recent.length - missing, missing);
    this.sentCount = serverReceived;
  }
}
