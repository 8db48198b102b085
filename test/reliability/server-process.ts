/** Run the real CLI as a child process (tsx, no build needed) and find its URL in the log. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { createInterface } from 'node:readline';

/** A running server child. */
export interface ServerProcess {
  child: ChildProcess;
  /** `ws://127.0.0.1:PORT/ws` */
  wsUrl: string;
  httpUrl: string;
  port: number;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Start `src/cli.ts` with `args`; killed when the test ends if still running. */
export async function startServerProcess(t: TestContext, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', '--host', '127.0.0.1', '--port', '0', '--log-level', 'info', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20_000);
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'listening' && entry.url) {
          clearTimeout(timer);
          resolve(entry.url);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  const port = Number(new URL(url).port);
  return { child, port, httpUrl: url, wsUrl: `ws://127.0.0.1:${port}/ws`, exited };
}
