/**
 * Child processes of the bench: the server under test (pinned to one core, measured through
 * /proc) and the load generators (pinned to the other). Every child is killed on exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sysconf } from './sysconf.js';
import type { GeneratorCommand } from '../load/generator.js';
import type { ServerKind } from './servers.js';
import type { GcPauses } from '../servers/child.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** True when `taskset` can pin processes here. */
export const canPin = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

function spawnPinned(core: number | null, args: string[], env: Record<string, string> = {}): ChildProcess {
  const node = [process.execPath, ...args];
  const pinned = core !== null && canPin ? ['taskset', '-c', String(core), ...node] : node;
  // Raise the soft open-file limit to the hard one: the capacity scenario holds 15,000 sockets.
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  const child = spawn('sh', ['-c', script, 'bench-child', ...pinned], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** CPU time (user + system) of a process in ms, from /proc/PID/stat. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command name start at field 3 (state): utime is field 14, stime 15.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / sysconf.clockTicks;
}

/** Read and write system calls a process made so far, from /proc/PID/io (0 when unreadable). */
export function syscalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return {
      reads: Number(/syscr:\s+(\d+)/.exec(io)?.[1] ?? 0),
      writes: Number(/syscw:\s+(\d+)/.exec(io)?.[1] ?? 0),
    };
  } catch {
    return { reads: 0, writes: 0 };
  }
}

/** Resident set size of a process in bytes, from /proc/PID/status. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

/** A running server under test. */
export class ServerProcess {
  private nextId = 1;
  private constructor(
    readonly kind: ServerKind,
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Start `kind` pinned to the server core, resolve once it listens. */
  static start(
    kind: ServerKind,
    on: { serverCore: number | null; serverEnv: Record<string, string>; serverArgs: string[] },
  ): Promise<ServerProcess> {
    const args = ['--expose-gc', ...on.serverArgs, '--import', 'tsx', kind.entry];
    const child = spawnPinned(on.serverCore, args, on.serverEnv);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${kind.id} did not start`)), 30_000);
      child.once('exit', (code) => reject(new Error(`${kind.id} exited (${code}) before listening`)));
      child.once('message', (msg: { ready?: boolean; port?: number }) => {
        clearTimeout(timer);
        if (msg.ready && msg.port) resolve(new ServerProcess(kind, child, msg.port));
        else reject(new Error(`${kind.id}: unexpected first message`));
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  cpuMs(): number {
    return cpuMs(this.pid);
  }

  syscalls(): { reads: number; writes: number } {
    return syscalls(this.pid);
  }

  rss(): number {
    return rssBytes(this.pid);
  }

  /** Force two full GCs in the server and return its memory usage afterwards. */
  async gc(): Promise<NodeJS.MemoryUsage> {
    return (await this.ask<{ memory: NodeJS.MemoryUsage }>('gc')).memory;
  }

  /**
   * The server's GC pauses since the last call (the first call counts from its start); NaN from a
   * server that does not report them (an older checkout run with --against).
   */
  async gcPauses(): Promise<GcPauses> {
    const none = { count: NaN, totalMs: NaN, maxMs: NaN };
    return (await this.ask<{ pauses: GcPauses }>('gcPauses', { pauses: none })).pauses;
  }

  private ask<T>(cmd: 'gc' | 'gcPauses', fallback?: T): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = fallback && setTimeout(() => done(fallback), 2000);
      const done = (msg: T) => {
        if (timer) clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve(msg);
      };
      const onMessage = (msg: T & { id: number }) => {
        if (msg.id === id) done(msg);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, cmd });
    });
  }

  /** Write a heap snapshot of the server to `file` (after a GC); resolves with its path. */
  snapshot(file: string): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const onMessage = (msg: { id: number; file: string }) => {
        if (msg.id !== id) return;
        this.child.off('message', onMessage);
        resolve(msg.file);
      };
      this.child.on('message', onMessage);
      this.child.send({ id, cmd: 'snapshot', file });
    });
  }

  /** Stop gracefully, then kill; resolves once the process is gone. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ id: 0, cmd: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/** A load generator process driven by commands. */
export class Generator {
  private nextId = 1;
  private readonly pendingReplies = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pendingReplies.get(msg.id);
      if (!p) return;
      this.pendingReplies.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`generator: ${msg.error}`));
    });
    child.once('exit', (code) => {
      for (const p of this.pendingReplies.values()) p.reject(new Error(`generator exited (${code})`));
      this.pendingReplies.clear();
    });
  }

  /** Start a generator pinned to `core`. */
  static start(core: number | null): Promise<Generator> {
    const child = spawnPinned(core, [
      '--max-old-space-size=2048',
      '--import',
      'tsx',
      'bench/load/generator.ts',
    ]);
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`generator exited (${code}) on start`)));
      child.once('message', () => resolve(new Generator(child)));
    });
  }

  /** CPU time the generator process has used so far (ms). */
  cpuMs(): number {
    return cpuMs(this.child.pid as number);
  }

  /** Send one command and wait for its reply. */
  run<T>(command: GeneratorCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pendingReplies.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, command });
    });
  }

  /** Ask the generator to close its sockets and exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    await this.run({ cmd: 'exit' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}
