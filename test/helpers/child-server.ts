/** Run the real CLI (`node --import tsx src/cli.ts`) as a child process, for signal and exit-code tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAFETY_MS = 20_000;

/** A CLI child and what it printed. */
export interface CliChild {
  child: ChildProcess;
  /** Every stdout line parsed as JSON (pino), in order. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the exit code (or the signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the CLI with `args` and `env` added to the environment; killed at the end of the test. */
export function spawnCli(t: TestContext, args: string[], env: Record<string, string> = {}): CliChild {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: '', PORT: '', HOST: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ raw: line });
    }
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, logs, stderr: () => stderr, exited };
}

/** Wait for the child's "listening" log line and return the ws URL it gives. */
export async function listeningUrl(cli: CliChild): Promise<string> {
  const deadline = Date.now() + SAFETY_MS;
  for (;;) {
    const line = cli.logs.find((l) => l.msg === 'listening');
    if (line) return line.ws as string;
    if (cli.child.exitCode !== null) throw new Error(`CLI exited ${cli.child.exitCode}: ${cli.stderr()}`);
    if (Date.now() > deadline) throw new Error(`no "listening" line; stderr: ${cli.stderr()}`);
    await once(cli.child.stdout!, 'data');
  }
}

/** Run the CLI to completion (for --help and bad options) and collect its output. */
export async function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: '', PORT: '', HOST: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), SAFETY_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
