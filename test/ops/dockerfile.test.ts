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

test('Dockerfile: two stages on node:20-slim, runtime as the non-root node user', () => {
  const froms = instructions.filter((i) => i.startsWith('FROM '));
  assert.deepEqual(froms, ['FROM node:20-slim AS build', 'FROM node:20-slim']);
  const runtime = instructions.slice(instructions.indexOf('FROM node:20-slim'));
  assert.ok(runtime.includes('USER node'), 'the runtime stage switches to USER node');
  assert.ok(!runtime.some((i) => i.startsWith('RUN npm')), 'no npm install in the runtime stage');
  assert.ok(
    runtime.some((i) => i.startsWith('COPY --from=build /app/dist')),
    'dist comes from the build stage',
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

test('Dockerfile: the entry point is the CLI the build produces', () => {
  const entry = instructions.find((i) => i.startsWith('ENTRYPOINT '));
  assert.equal(entry, 'ENTRYPOINT ["node", "dist/src/cli.js"]');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(pkg.bin.signalroom, 'dist/src/cli.js');
});

test('Dockerfile: the HEALTHCHECK command passes against a running server and fails without one', async (t) => {
  const healthcheck = instructions.find((i) => i.startsWith('HEALTHCHECK '));
  assert.ok(healthcheck, 'no HEALTHCHECK');
  const json = /CMD (\[.*\])$/.exec(healthcheck)?.[1];
  assert.ok(json, 'HEALTHCHECK CMD in exec form');
  const [command, ...args] = JSON.parse(json) as string[];
  assert.equal(command, 'node');
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
  const build = instructions.slice(0, instructions.indexOf('FROM node:20-slim'));
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
