/**
 * A real coturn (`turnserver`) for one test: deploy/turnserver.conf with loopback ports, the test's
 * secret and no TLS written into its own temp dir; foreground process (no daemon), killed after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../helpers/redis-server.js';
import { stunBinding } from './stun-client.js';

/** The deployment config the tests run. */
export const TURNSERVER_CONF = new URL('../../../deploy/turnserver.conf', import.meta.url);

/** A running turnserver. */
export interface Coturn {
  /** UDP/TCP port on 127.0.0.1. */
  port: number;
  realm: string;
  /** The config file it runs, as written. */
  config: string;
  /** What it logged so far (for failure messages). */
  output(): string;
  /** Send `signal` and wait until the process has exited (its allocations die with it). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Stop the process (SIGSTOP): it answers nothing, and nothing tells its clients. */
  freeze(): void;
}

/** deploy/turnserver.conf turned into a loopback test config. */
export function testTurnConfig(
  deployed: string,
  options: { port: number; minPort: number; maxPort: number; secrets: readonly string[]; dir: string },
): string {
  const replaced = deployed
    .split('\n')
    .filter((line) => !/^(tls-listening-port|cert|pkey|syslog)\b/.test(line))
    .filter((line) => line !== 'denied-peer-ip=127.0.0.0-127.255.255.255')
    .flatMap((line) => {
      if (line.startsWith('static-auth-secret='))
        return options.secrets.map((s) => `static-auth-secret=${s}`);
      if (line.startsWith('listening-port=')) return `listening-port=${options.port}`;
      if (line.startsWith('min-port=')) return `min-port=${options.minPort}`;
      if (line.startsWith('max-port=')) return `max-port=${options.maxPort}`;
      return line;
    });
  replaced.push(
    '# ---- test only',
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    'allow-loopback-peers',
    'no-tls',
    'no-dtls',
    'log-file=stdout',
    `pidfile=${join(options.dir, 'turnserver.pid')}`,
    `userdb=${join(options.dir, 'turndb')}`,
  );
  return replaced.join('\n');
}

/**
 * Start turnserver accepting `secrets`; stopped (and its dir removed) when the test ends.
 * `options.port` reuses a port (a restart in the place of a killed one).
 */
export async function startCoturn(
  t: TestContext,
  secrets: readonly string[],
  options: { port?: number } = {},
): Promise<Coturn> {
  const dir = mkdtempSync(join(tmpdir(), 'signalroom-coturn-'));
  const port = options.port ?? (await freePort());
  // A relay range unlikely to collide with anything else on the machine.
  const minPort = 50_000 + Math.floor(Math.random() * 150) * 100;
  const config = testTurnConfig(readFileSync(TURNSERVER_CONF, 'utf8'), {
    port,
    minPort,
    maxPort: minPort + 99,
    secrets,
    dir,
  });
  const file = join(dir, 'turnserver.conf');
  writeFileSync(file, config);
  const child = spawn('turnserver', ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`turnserver exited (${code}):\n${output}`))),
  );
  await Promise.race([stunBinding(port, 10_000), exited]);
  const realm = /^realm=(.*)$/m.exec(config)?.[1] ?? '';
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  };
  const freeze = (): void => void child.kill('SIGSTOP');
  return { port, realm, config, output: () => output, kill, freeze };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  child.kill('SIGCONT'); // a frozen process takes the SIGTERM only once it runs again
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
