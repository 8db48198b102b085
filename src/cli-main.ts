/** The command line: config from flags and environment, `--help`, `--version`, signals, exit codes. */
import type { Logger } from 'pino';
import { ConfigError, helpText, loadConfig, wantsHelp, wantsVersion } from './config.js';
import { checkCombinations } from './module-options.js';
import { packageVersion } from './package-root.js';
import { createServer } from './server.js';

/** Run the server as `signalroom <argv>` would. */
export async function main(argv: readonly string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (wantsVersion(argv)) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  let config;
  try {
    config = loadConfig(argv, process.env);
    checkCombinations(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`signalroom: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const server = await createServer(config);
  const { logger } = server;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // The hard limit: whatever the clients, the backend or stdout do, the process ends by then.
    setTimeout(() => {
      logger.warn({ drainTimeoutMs: config.drainTimeoutMs }, 'drain timeout, exiting');
      process.exit(0);
    }, config.drainTimeoutMs).unref();
    // SIGTERM is how supervisors (systemd, Docker, Kubernetes) restart a service: 1012 tells
    // clients to reconnect soon. SIGINT (Ctrl-C) is an operator stopping it: 1001, going away.
    server.close(signal === 'SIGTERM' ? 'RESTARTING' : 'GOING_AWAY').then(
      () => {
        logger.info('stopped');
        exitAfterLogs(logger, 0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        exitAfterLogs(logger, 1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Signal handlers first: a supervisor may send SIGTERM the moment it reads "listening".
  const { host, port } = await server.listen();
  logger.info(listeningFields(host, port, config.tlsCert !== '', config.wsPath), 'listening');
}

/** Exit once the log lines are written; a stdout that never drains is cut off by the drain timeout. */
function exitAfterLogs(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

/** The addresses to print: a wildcard address is shown as localhost, which a browser can open. */
export function listeningFields(
  host: string,
  port: number,
  tls: boolean,
  wsPath: string,
): { url: string; ws: string } {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `${tls ? 'https' : 'http'}://${shown}:${port}`,
    ws: `${tls ? 'wss' : 'ws'}://${shown}:${port}${wsPath}`,
  };
}
