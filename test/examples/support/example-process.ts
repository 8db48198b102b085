/**
 * Runs an example of examples/ as its users would (`node examples/…`, importing the built
 * package by name) and stops it as they would (SIGTERM), for the tests that prove each one works.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root: examples import `signalroom` from here by the package's own name. */
export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
// Turns a hang into a readable failure; never an assertion on timing.
const SAFETY_MS = 60_000;

/** A running example process and what it printed so far. */
export interface ExampleProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Start `script` (relative to the root) with `env` on top of the test's; stopped when the test ends. */
export function runExample(
  t: TestContext,
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
): ExampleProcess {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, output: () => output, exited };
}

/** Wait until the process prints a line matching `pattern`; fails with its output if it exits first. */
export function waitForOutput(example: ExampleProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((done, fail) => {
    const check = () => {
      const match = pattern.exec(example.output());
      if (!match) return;
      finish();
      done(match);
    };
    const onExit = () => {
      finish();
      fail(new Error(`the example exited before printing ${pattern}:\n${example.output()}`));
    };
    const timer = setTimeout(() => {
      finish();
      fail(new Error(`no ${pattern} within ${SAFETY_MS} ms:\n${example.output()}`));
    }, SAFETY_MS);
    const finish = () => {
      clearTimeout(timer);
      example.child.stdout?.off('data', check);
      example.child.off('exit', onExit);
    };
    example.child.stdout?.on('data', check);
    example.child.once('exit', onExit);
    check();
  });
}

/** A started example server and its URLs (from its "listening on http://host:port" line). */
export interface ExampleServer extends ExampleProcess {
  httpUrl: string;
  wsUrl: string;
}

/** Start an example server on a free port and wait until it listens. */
export async function startExampleServer(
  t: TestContext,
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
): Promise<ExampleServer> {
  const example = runExample(t, script, env, args);
  const [, host, port] = await waitForOutput(example, /listening on http:\/\/([\d.]+):(\d+)/);
  return { ...example, httpUrl: `http://${host}:${port}`, wsUrl: `ws://${host}:${port}/ws` };
}

/** Stop the example as a supervisor would (SIGTERM) and check that it exits cleanly on its own. */
export async function stopsCleanly(example: ExampleProcess): Promise<void> {
  example.child.kill('SIGTERM');
  assert.equal(await example.exited, 0, example.output());
}
