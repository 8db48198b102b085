/** The process logger: pino lines on stdout. One is made per server, never a global. */
import { isatty } from 'node:tty';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { LogDestination, type LineFormatter } from './log-destination.js';

/** How log lines look: `json` (one object a line, for machines) or `pretty` (for people, in development). */
export type LogFormat = 'json' | 'pretty';

/** A pino logger at `level`, tagged with the node id, writing to stdout without ever blocking. */
export function createLogger(level: LevelWithSilent, nodeId?: string, format: LogFormat = 'json'): Logger {
  const destination = new LogDestination({ formatter: format === 'pretty' ? prettyFormatter() : undefined });
  return pino({ level, base: nodeId ? { node: nodeId } : {} }, destination);
}

/** pino-pretty's formatter, loaded only when asked for: JSON logging never pays for it. */
async function prettyFormatter(): Promise<LineFormatter> {
  const { prettyFactory } = await import('pino-pretty');
  return prettyFactory({
    colorize: isatty(1),
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // The node id is the same on every line of one process.
    ignore: 'node',
  });
}
