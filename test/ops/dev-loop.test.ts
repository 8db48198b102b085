/**
 * `npm run dev` (scripts/dev.mjs), on a copy of the sources so that editing them cannot disturb
 * other tests: it serves the demo, restarts the server when a source file changes, and rebuilds
 * the demo when its code changes; SIGTERM stops it all. Every wait is for a line the loop prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = new URL('../..', import.meta.url).pathname;

test(
  'npm run dev restarts the server on a source change and rebuilds the demo on a demo change',
  { timeout: 120_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'signalroom-dev-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const entry of [
      'protocol',
      'src',
      'client',
      'demo',
      'scripts',
      'package.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ])
      cpSync(join(root, entry), join(dir, entry), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));

    const dev = spawn(
      process.execPath,
      ['scripts/dev.mjs', '--port', '0', '--host', '127.0.0.1', '--log-format', 'json'],
      {
        cwd: dir,
        env: { ...process.env, LOG_LEVEL: '', PORT: '', HOST: '' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = once(dev, 'exit');
    let group = 0;
    t.after(() => {
      if (dev.exitCode === null && dev.signalCode === null) dev.kill('SIGKILL');
      if (group) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });

    // Every line, kept; waitFor() resolves with the first one from `from` on that matches.
    const seen: string[] = [];
    const arrived = new EventEmitter();
    createInterface({ input: dev.stdout }).on('line', (line) => {
      seen.push(line);
      arrived.emit('line');
    });
    dev.stdout.once('end', () => arrived.emit('line'));
    async function waitFor(predicate: (line: string) => boolean, what: string, from = 0): Promise<string> {
      for (;;) {
        const found = seen.slice(from).find(predicate);
        if (found !== undefined) return found;
        if (dev.exitCode !== null || dev.stdout.readableEnded)
          throw new Error(`npm run dev ended before ${what}`);
        await once(arrived, 'line');
      }
    }
    const isListening = (l: string) => l.includes('"msg":"listening"');
    const urlOf = (line: string) => (JSON.parse(line) as { url: string }).url;

    const watcher = await waitFor((l) => l.startsWith('dev: server'), 'the watcher');
    group = Number(/process group (\d+)/.exec(watcher)?.[1]);
    const first = urlOf(await waitFor(isListening, 'listening'));
    assert.match(await (await fetch(`${first}/`)).text(), /<html/i, 'the demo is built and served');

    // tsx watches a file once the server has imported it, a moment after "listening": the change
    // is made again every half second until tsx reports it (at most a minute), then the restarted
    // server's "listening" is awaited.
    const mark = seen.length;
    const changed = (l: string) => l.includes('change in ./src/config.ts');
    const noticed = waitFor(changed, 'tsx noticing the change', mark);
    let settled = false;
    noticed.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let i = 0; i < 120 && !settled; i++) {
      appendFileSync(join(dir, 'src/config.ts'), '\n// changed by the dev loop test\n');
      await Promise.race([noticed.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 500))]);
    }
    await noticed;
    const at = seen.findIndex((line, i) => i >= mark && changed(line));
    const second = urlOf(await waitFor(isListening, 'the restart', at));
    assert.equal((await fetch(`${second}/healthz`)).status, 200, 'the restarted server answers');

    const beforeRebuild = seen.length;
    appendFileSync(join(dir, 'demo/src/main.ts'), "\nconsole.info('dev-loop-marker');\n");
    await waitFor(
      (l) => l.startsWith('dev: demo rebuilt (dist/demo/app.js)'),
      'the demo rebuild',
      beforeRebuild,
    );
    assert.match(await (await fetch(`${second}/app.js`)).text(), /dev-loop-marker/);

    dev.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  },
);
