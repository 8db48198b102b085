/**
 * Where the process logs go: a file descriptor (stdout) written asynchronously, never in a way that
 * can block the event loop. pino's default destination flushes synchronously at exit and retries
 * a failed write every 100 ms for as long as it fails: with stdout a closed pipe (`signalroom | head`)
 * that loop never ends, and SIGTERM's drain timeout never fires. Here a write error other than
 * EAGAIN ends logging (nobody reads any more), a stalled reader only fills a bounded queue (lines
 * beyond it are dropped and counted), and nothing is written synchronously, so the process can
 * always exit on time. `flush()` lets the CLI wait for the last lines before it exits.
 */
import { write } from 'node:fs';

/** Turns one pino JSON line into the text to write (the pretty format). */
export type LineFormatter = (line: string) => string;

/** Options of {@link LogDestination}. */
export interface LogDestinationOptions {
  /** The file descriptor to write to (default 1, stdout). */
  fd?: number;
  /** Bytes waiting to be written beyond which new lines are dropped (default 4 MiB). */
  maxQueuedBytes?: number;
  /** Formats each line; may arrive later (a lazily loaded module): lines wait for it. */
  formatter?: LineFormatter | Promise<LineFormatter>;
}

// A pipe or terminal that is full answers EAGAIN when non-blocking: try again soon.
const RETRY_MS = 20;

/** A pino destination (it has `write(line)`) writing to a file descriptor without blocking. */
export class LogDestination {
  /** Lines dropped because the queue was full (a reader too slow or stalled). */
  dropped = 0;
  private readonly fd: number;
  private readonly maxQueuedBytes: number;
  private format: LineFormatter | null = null;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  /** Set on a write error: nobody reads any more, so later lines are discarded. */
  private broken = false;
  private idle: Array<() => void> = [];

  constructor(options: LogDestinationOptions = {}) {
    this.fd = options.fd ?? 1;
    this.maxQueuedBytes = options.maxQueuedBytes ?? 4 * 1024 * 1024;
    const formatter = options.formatter;
    if (typeof formatter === 'function') this.format = formatter;
    else if (formatter) {
      // Lines queue unformatted until the formatter is there, then go out in order.
      this.writing = true;
      formatter.then(
        (f) => {
          this.format = f;
          this.writeQueued();
        },
        () => this.writeQueued(), // no formatter: JSON lines rather than none
      );
    }
  }

  /** Queue one line (pino calls this for every log line). */
  write(line: string): void {
    if (this.broken) return;
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.dropped += 1;
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.writing) this.writeQueued();
  }

  /** Calls `done` once every line queued so far is written, or can never be (pino's `logger.flush`). */
  flush(done: (err?: Error) => void = () => {}): void {
    if (this.writing) this.idle.push(() => done());
    else done();
  }

  private writeQueued(): void {
    if (this.broken || this.queue.length === 0) {
      this.writing = false;
      for (const done of this.idle.splice(0)) done();
      return;
    }
    this.writing = true;
    const lines = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    const text = this.format ? lines.map(this.format).join('') : lines.join('');
    this.writeChunk(Buffer.from(text));
  }

  private writeChunk(chunk: Buffer): void {
    write(this.fd, chunk, 0, chunk.length, null, (err, written) => {
      if (err && err.code === 'EAGAIN') {
        setTimeout(() => this.writeChunk(chunk), RETRY_MS);
      } else if (err) {
        // EPIPE, EBADF, ...: the reader is gone. Logging stops; the server does not.
        this.broken = true;
        this.queue = [];
        this.queuedBytes = 0;
        this.writeQueued();
      } else if (written < chunk.length) {
        this.writeChunk(chunk.subarray(written));
      } else {
        this.writeQueued();
      }
    });
  }
}
