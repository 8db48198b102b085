/**
 * A private `redis-server` child process on a free port for one test file (never the shared one
 * on 6379), with the controls the failure tests need: stop (saving its data) and start again,
 * kill -9, and restart empty. Extra arguments make it a cluster node, a replica or a sentinel
 * (redis-cluster.ts, redis-sentinel.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const START_TIMEOUT_MS = 10_000;

/** A free TCP port on 127.0.0.1 (closed again, so the caller can bind it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One redis-server process; `url` stays the same across restarts. */
export class RedisServer {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), 'signalroom-redis-'));

  private constructor(
    readonly port: number,
    /** Arguments after the port, directory and persistence ones (e.g. `--cluster-enabled yes`). */
    private readonly extraArgs: readonly string[],
    /** A config file to start from (sentinels need one they can rewrite), or null. */
    private readonly configFile: string | null,
  ) {}

  /** The directory of its data (and config file). */
  get directory(): string {
    return this.dir;
  }

  /** `redis://127.0.0.1:PORT` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Start a server on a free port. Call {@link destroy} when done (e.g. in `after`). */
  static async start(extraArgs: readonly string[] = [], configText?: string): Promise<RedisServer> {
    // A free port is free when looked up, not for sure when redis-server binds it: on a busy
    // machine another process takes one now and then ("bind: Address already in use"). Then the
    // server is started again on other ports.
    for (let attempt = 1; ; attempt++) {
      // A cluster node's bus listens on its port + 10000 unless told otherwise: a port above
      // 55535 cannot, and one below is as likely taken as any. A free port of its own is better.
      const port = await freePort();
      let bus = port;
      while (extraArgs.includes('--cluster-enabled') && bus === port) bus = await freePort();
      const busPort = bus === port ? [] : ['--cluster-port', String(bus)];
      const server = new RedisServer(
        port,
        [...extraArgs, ...busPort],
        configText === undefined ? null : 'redis.conf',
      );
      if (configText !== undefined) writeFileSync(join(server.dir, 'redis.conf'), configText);
      try {
        await server.spawn();
        return server;
      } catch (err) {
        await server.destroy();
        if (attempt >= 3 || !String(err).includes('Address already in use')) throw err;
      }
    }
  }

  /** A plain client of this server (offline queue on), for inspecting and controlling it. */
  client(): Redis {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    return client;
  }

  /** Start (again) on the same port; with data saved by {@link stopSaving} unless it was removed. */
  async spawn(): Promise<void> {
    if (this.child) throw new Error('redis-server already running');
    const config = this.configFile === null ? [] : [join(this.dir, this.configFile)];
    const child = spawn(
      'redis-server',
      [
        ...config,
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--dbfilename',
        'dump.rdb',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${output}`)),
        START_TIMEOUT_MS,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/Ready to accept connections|Sentinel ID is/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${output}`));
      });
    });
    child.stdout?.resume();
    child.stderr?.resume();
  }

  /** Stop the way an operator would, keeping the data on disk (SHUTDOWN SAVE). */
  async stopSaving(): Promise<void> {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    client.on('error', () => undefined);
    await client.connect();
    const exited = this.exited();
    await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    client.disconnect();
    await exited;
  }

  /** SIGSTOP: connections stay open but nothing is answered (a hung Redis). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** kill -9: the data in memory is lost. */
  async kill(): Promise<void> {
    const exited = this.exited();
    this.child?.kill('SIGKILL');
    await exited;
  }

  /** Kill and start again with nothing: a Redis that lost all its data. */
  async restartEmpty(): Promise<void> {
    await this.kill();
    rmSync(join(this.dir, 'dump.rdb'), { force: true });
    await this.spawn();
  }

  /** True while the process runs (stopped with SIGSTOP counts as running). */
  get running(): boolean {
    return this.child !== null;
  }

  /** Kill the process and remove its directory. */
  async destroy(): Promise<void> {
    this.resume(); // a stopped process would not die of SIGKILL before it is continued on some systems
    if (this.child) await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private exited(): Promise<void> {
    const child = this.child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (this.child === child) this.child = null;
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) done();
      else child.once('exit', done);
    });
  }
}
