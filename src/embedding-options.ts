/**
 * Options that only the standalone server can honour. `attachSignaling` refuses them when they
 * are set (to anything but their default) instead of ignoring them, and says what to do instead.
 */
import { ConfigError, defineConfig, type Config } from './config.js';

const STANDALONE_ONLY: Partial<Record<keyof Config, string>> = {
  port: 'your server listens, not signalroom: call server.listen(port) yourself',
  staticDir: 'the demo and static files are served by createServer only: serve your files from your app',
  tlsCert: 'TLS belongs to your server: attach to an https.createServer({ cert, key }) server',
  tlsKey: 'TLS belongs to your server: attach to an https.createServer({ cert, key }) server',
  drainTimeoutMs: "the CLI's shutdown deadline: in your app, bound your own wait on signaling.close()",
};

/** Throw a {@link ConfigError} naming the first option given to `attachSignaling` that it cannot honour. */
export function checkEmbeddable(options: Partial<Config>): void {
  const defaults = defineConfig();
  for (const [key, value] of Object.entries(options) as Array<[keyof Config, unknown]>) {
    if (value === undefined || sameValue(value, defaults[key])) continue;
    const why = STANDALONE_ONLY[key];
    if (why) throw new ConfigError(`attachSignaling: option '${key}' does not apply when embedded; ${why}`);
    if (key === 'host' && !options.metricsPort) {
      throw new ConfigError(
        "attachSignaling: option 'host' only says where metricsPort listens; your server's own address is its listen()'s",
      );
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
