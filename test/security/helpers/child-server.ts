/** Start test/security/helpers/server-child.ts as a child process and talk to it over IPC. */
import type { TestContext } from 'node:test';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../../src/config.js';

/** Heap after GC and resident memory of the child, in bytes. */
export interface ChildMemory {
  heapUsed: number;
  /** Memory outside the JS heap held by JS objects (Buffers: relayed frames in replay logs). */
  external: number;
  rss: number;
}

/** Counts the child reports. */
export interface ChildStats {
  connections: number;
  peers: number;
  unhandledRejections: number;
  uncaughtExceptions: number;
  /** Enumerable keys on Object.prototype: anything but 0 means prototype pollution. */
  polluted: number;
}

/** A server running in a child process. */
export interface ChildServer {
  child: ChildProcess;
  port: number;
  wsUrl: string;
  /** Heap after GC and RSS of the child. */
  memory(): Promise<ChildMemory>;
  /** Connection and error counts of the child. */
  stats(): Promise<ChildStats>;
  /** The size of every map and queue of the child's core (`SignalingCore.introspect`). */
  introspect(): Promise<Record<string, number>>;
}

const script = fileURLToPath(new URL('./server-child.ts', import.meta.url));

/** Fork the server child with `config`; it is stopped (or killed) when the test ends. */
export async function startServerChild(t: TestContext, config: Partial<Config> = {}): Promise<ChildServer> {
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, SIGNALROOM_TEST_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const waiting = new Map<number, (body: Record<string, unknown>) => void>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (msg: { id: number } & Record<string, unknown>) => {
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.send({ id: -1, type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
  });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    waiting.set(0, resolve);
    child.once('exit', (code) => reject(new Error(`server child exited early (${code})`)));
  });
  const port = ready.port as number;
  return {
    child,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    memory: () => ask<ChildMemory>('memory'),
    stats: () => ask<ChildStats>('stats'),
    introspect: async () => (await ask<{ sizes: Record<string, number> }>('introspect')).sizes,
  };

  function ask<T>(type: string): Promise<T> {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      if (child.exitCode !== null) {
        reject(new Error('server child is gone'));
        return;
      }
      waiting.set(id, (body) => resolve(body as T));
      child.send({ id, type });
    });
  }
}
