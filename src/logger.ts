/** The process logger: pino JSON lines on stdout. One is made per server, never a global. */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { LogDestination } from './log-destination.js';

/** A pino logger at `level`, tagged with the node id, writing to stdout without ever blocking. */
export function createLogger(level: LevelWithSilent, nodeId?: string): Logger {
  return pino({ level, base: nodeId ? { node: nodeId } : {} }, new LogDestination());
}
