/**
 * There is no Docker engine on the test machines, so the image is not built here. What can be
 * checked without one is: the stages and base image, the non-root user, that every COPY source
 * exists and is not excluded by .dockerignore, that the entry point is what the build produces,
 * and that the HEALTHCHECK command itself works against a real server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer } from '../helpers/test-server.js';
import { freePort } from '../helpers/redis-server.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
/** Instructions with continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

const froms = instructions.filter((i) => i.startsWith('FROM '));
const runtimeFrom = froms.at(-1) as string;
/** The runtime stage's instructions. */
const runtime = instructions.slice(instructions.indexOf(runtimeFrom));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
};
/** An exec-form instruction's JSON array (`ENTRYPOINT ["a", "b"]`), or null for the shell form. */
function execForm(instruction: string | undefined, keyword: string): string[] | null {
  const rest = instruction?.slice(keyword.length).trim() ?? '';
  return rest.startsWith('[') ? (JSON.parse(rest) as string[]) : null;
}

test('Dockerfile: a node:*-slim build stage and a distroless runtime of the same supported Node.js line', () => {
  assert.equal(froms.length, 2);
  const build = /^FROM node:(\d+)-slim AS build$/.exec(froms[0] as string);
  assert.ok(build, `build stage: ${froms[0]}`);
  const base = /^FROM gcr\.io\/distroless\/nodejs(\d+)-debian\d+(:nonroot)?$/.exec(runtimeFrom);
  assert.ok(base, `runtime stage: ${runtimeFrom}`);
  assert.equal(base[1], build[1], 'the same Node.js line builds and runs (native addons)');
  const oldest = Number(/^>=(\d+)$/.exec(pkg.engines.node)?.[1]);
  assert.ok(
    Number(base[1]) >= oldest && Number(base[1]) % 2 === 0,
    `Node.js ${base[1]}: an LTS line we support`,
  );
});

test('Dockerfile: the runtime stage runs as a non-root user, with production dependencies and dist/ only', () => {
  const user = runtime.find((i) => i.startsWith('USER '))?.slice(5);
  assert.ok(user, 'the runtime stage sets USER');
  assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is not root`);
  // distroless has no shell: nothing may RUN there, and nothing needs to.
  assert.ok(!runtime.some((i) => i.startsWith('RUN ')), 'no RUN in the runtime stage');
  const copied = runtime.filter((i) => i.startsWith('COPY ')).map((i) => i.split(/\s+/)[2]);
  assert.deepEqual(copied, ['/app/package.json', '/app/node_modules', '/app/dist']);
  const build = instructions.slice(0, instructions.indexOf(runtimeFrom));
  const last = build.filter((i) => i.startsWith('RUN ')).at(-1) ?? '';
  assert.match(
    last,
    /npm prune --omit=dev/,
    'dev dependencies are pruned before the runtime copies node_modules',
  );
});

test('Dockerfile: every COPY source exists and is not excluded by .dockerignore', () => {
  const copies = instructions.filter((i) => i.startsWith('COPY ') && !i.includes('--from='));
  assert.ok(copies.length >= 5);
  for (const copy of copies) {
    const parts = copy.split(/\s+/).slice(1);
    for (const source of parts.slice(0, -1)) {
      assert.ok(existsSync(join(root, source)), `${copy}: ${source} does not exist`);
      assert.ok(!ignored.includes(source), `${copy}: ${source} is in .dockerignore`);
    }
  }
  for (const local of ['node_modules', 'dist', '.git'])
    assert.ok(ignored.includes(local), `.dockerignore: ${local}`);
});

test('Dockerfile: SIGTERM reaches the server: exec-form ENTRYPOINT running node on the CLI the build produces', () => {
  const entry = execForm(
    runtime.find((i) => i.startsWith('ENTRYPOINT ')),
    'ENTRYPOINT',
  );
  assert.deepEqual(entry, ['/nodejs/bin/node', 'dist/src/cli.js'], 'exec form: node is PID 1, no shell');
  assert.equal(pkg.bin.signalroom, 'dist/src/cli.js');
  const cmd = runtime.find((i) => i.startsWith('CMD '));
  assert.ok(cmd === undefined || execForm(cmd, 'CMD') !== null, 'a CMD, if any, in exec form');
  assert.ok(runtime.includes('STOPSIGNAL SIGTERM'));
});

test('Dockerfile: the HEALTHCHECK command passes against a running server and fails without one', async (t) => {
  const healthcheck = instructions.find((i) => i.startsWith('HEALTHCHECK '));
  assert.ok(healthcheck, 'no HEALTHCHECK');
  const json = /CMD (\[.*\])$/.exec(healthcheck)?.[1];
  assert.ok(json, 'HEALTHCHECK CMD in exec form (distroless has no shell)');
  const [command, ...args] = JSON.parse(json) as string[];
  assert.equal(command, '/nodejs/bin/node', "distroless's node");
  assert.ok(args.join(' ').includes('/healthz'));
  const { port } = await startServer(t);
  const env = { ...process.env, PORT: String(port) };
  await run(process.execPath, args, { env }); // rejects on a non-zero exit
  const closed = await freePort();
  await assert.rejects(run(process.execPath, args, { env: { ...process.env, PORT: String(closed) } }));
});

test('Dockerfile: the build stage succeeds with only the files it copies (its RUN steps, offline)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'signalroom-docker-build-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const build = instructions.slice(0, instructions.indexOf(runtimeFrom));
  for (const step of build) {
    if (step.startsWith('COPY ')) {
      const parts = step.split(/\s+/).slice(1);
      const target = join(dir, parts.at(-1) as string);
      for (const source of parts.slice(0, -1)) {
        const to = parts.length > 2 || target.endsWith('/') ? join(target, source) : target;
        cpSync(join(root, source), to, { recursive: true });
      }
    } else if (step.startsWith('RUN ')) {
      // The same commands, from the npm cache (the test machine may be offline).
      for (const command of step.slice(4).split(' && ')) {
        const [cmd, ...args] = command.split(/\s+/);
        if (cmd === 'npm' && ['ci', 'prune'].includes(args[0] as string)) args.push('--offline');
        await run(cmd as string, args, { cwd: dir });
      }
    }
  }
  assert.ok(existsSync(join(dir, 'dist/src/cli.js')), 'the build produced the entry point');
  assert.ok(existsSync(join(dir, 'dist/demo/index.html')), 'the build produced the demo');
  assert.ok(!existsSync(join(dir, 'node_modules/typescript')), 'dev dependencies were pruned');
  assert.ok(existsSync(join(dir, 'node_modules/fastify')), 'runtime dependencies stay');
});
