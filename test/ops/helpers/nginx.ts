/**
 * A real nginx for one test: deploy/nginx.conf inside a minimal main config, with its own prefix
 * directory, loopback ports and the upstream pointed at the test server; `daemon off`, killed after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../helpers/redis-server.js';

/** Debian installs nginx in /usr/sbin, which is not on every user's PATH. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** The deployment config the tests run. */
export const NGINX_CONF = new URL('../../../deploy/nginx.conf', import.meta.url);

/** A running nginx. */
export interface Nginx {
  /** The port of the (TLS-less in the test) main server block on 127.0.0.1. */
  port: number;
  /** The port of the redirecting plain-HTTP server block. */
  redirectPort: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
}

/** deploy/nginx.conf turned into a loopback test site. */
export function testSiteConfig(
  deployed: string,
  ports: { upstream: number; main: number; redirect: number },
): string {
  return deployed
    .split('\n')
    .filter((line) => !/^\s*(ssl_|listen \[::\])/.test(line))
    .map((line) =>
      line
        .replace(/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${ports.upstream};`)
        .replace(/listen 80;/, `listen 127.0.0.1:${ports.redirect};`)
        .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${ports.main};`),
    )
    .join('\n');
}

/** Start nginx in front of 127.0.0.1:`upstreamPort`; stopped and cleaned up when the test ends. */
export async function startNginx(t: TestContext, upstreamPort: number): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'signalroom-nginx-'));
  // nginx workers may run as another user: they need to reach the temp dirs.
  chmodSync(prefix, 0o755);
  for (const dir of ['logs', 'tmp']) mkdirSync(join(prefix, dir), { mode: 0o777 });
  const port = await freePort();
  const redirectPort = await freePort();
  const site = join(prefix, 'signalroom.conf');
  writeFileSync(
    site,
    testSiteConfig(readFileSync(NGINX_CONF, 'utf8'), {
      upstream: upstreamPort,
      main: port,
      redirect: redirectPort,
    }),
  );
  const tmp = join(prefix, 'tmp');
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'logs', 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${tmp}/${k};`),
      `  include ${site};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  t.after(async () => {
    await stop(child);
    rmSync(prefix, { recursive: true, force: true });
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`nginx exited (${code}):\n${output}`))),
  );
  await Promise.race([acceptsConnections(port, 10_000), exited]);
  return { port, redirectPort, url: `http://127.0.0.1:${port}` };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (retrying refused ones). */
async function acceptsConnections(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // SIGQUIT: graceful shutdown of the master and its workers.
  child.kill('SIGQUIT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
