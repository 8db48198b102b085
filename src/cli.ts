#!/usr/bin/env node
/** Process entry: config from flags and environment, signals, exit codes. */
import { ConfigError, checkCombinations, helpText, loadConfig, wantsHelp } from './config.js';
import { createServer } from './server.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write(`${helpText()}\n`);
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
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      server.logger.warn({ drainTimeoutMs: config.drainTimeoutMs }, 'drain timeout, exiting');
      process.exit(0);
    }, config.drainTimeoutMs).unref();
    // SIGTERM is how supervisors (systemd, Docker, Kubernetes) restart a service: 1012 tells
    // clients to reconnect soon. SIGINT (Ctrl-C) is an operator stopping it: 1001, going away.
    server.close(signal === 'SIGTERM' ? 'RESTARTING' : 'GOING_AWAY').then(
      () => {
        server.logger.info('stopped');
        // The last lines first; a stdout that never drains is cut off by the drain timeout.
        server.logger.flush(() => process.exit(0));
      },
      (err: unknown) => {
        server.logger.error({ err }, 'shutdown failed');
        server.logger.flush(() => process.exit(1));
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Signal handlers first: a supervisor may send SIGTERM the moment it reads "listening".
  const { url } = await server.listen();
  server.logger.info({ url, ws: `${url}${config.wsPath}` }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`signalroom: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
