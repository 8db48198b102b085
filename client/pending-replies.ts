/**
 * Requests waiting for the server's answer. The server handles one connection's frames in order,
 * so answers arrive in the order the requests were sent; each waiter claims the first frame it
 * matches.
 */
import type { ServerMessage } from '../protocol/messages.js';
import { SignalroomError } from './errors.js';

interface Waiter {
  matches(message: ServerMessage): boolean;
  resolve(message: ServerMessage): void;
  reject(error: SignalroomError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The requests of one client that still wait for a reply. */
export class PendingReplies {
  private waiters: Waiter[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Wait for the first frame `matches` accepts; rejects with TIMEOUT after the request timeout. */
  wait(matches: (message: ServerMessage) => boolean, what: string): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(SignalroomError.client('TIMEOUT', `No answer to ${what} within ${this.timeoutMs} ms`));
        }, this.timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Hand a frame to the first waiter that wants it; true when one took it. */
  offer(message: ServerMessage): boolean {
    const waiter = this.waiters.find((w) => w.matches(message));
    if (!waiter) return false;
    this.remove(waiter);
    waiter.resolve(message);
    return true;
  }

  /**
   * Stop waiting with the `matches` given to {@link wait} (its request will get no answer: the
   * server dropped it); that promise rejects with `error`. Nothing happens when it has settled.
   */
  cancel(matches: (message: ServerMessage) => boolean, error: SignalroomError): void {
    const waiter = this.waiters.find((w) => w.matches === matches);
    if (!waiter) return;
    this.remove(waiter);
    waiter.reject(error);
  }

  /** Reject every waiter (the connection is gone). */
  failAll(error: SignalroomError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
  }
}
