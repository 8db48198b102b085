import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const OFFLINE = ['--offline', '--no-audit', '--no-fund', '--ignore-scripts'];

test('npm pack → install → `npx signalroom` prints --help, serves the demo, health and metrics, stops on SIGTERM', async (t) => {
  // `npm test` builds before the tests; the package ships dist/ only.
  assert.ok(existsSync(join(root, 'dist/src/cli.js')), 'dist/src/cli.js missing: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'signalroom-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root,
  });
  const [{ filename, files }] = JSON.parse(packed.stdout) as [
    { filename: string; files: { path: string }[] },
  ];
  const paths = files.map((f) => f.path);
  assert.ok(paths.includes('dist/src/cli.js'));
  assert.ok(paths.includes('dist/demo/index.html'), 'the demo is in the package');
  assert.ok(!paths.some((p) => p.startsWith('src/') || p.startsWith('test/')), 'sources and tests stay out');
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md'])
    assert.ok(paths.includes(file), `${file} is packed`);
  // npm shows the README: what it links to must be in the package too.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const [, target] of readme.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    if (!/^[a-z]+:/i.test(target as string))
      assert.ok(paths.includes(target as string), `the README links to ${target}, not packed`);
  }

  // Installed offline, from the npm cache: `npm ci` caches the dependencies' tarballs but not their
  // registry metadata, so `npm install <tarball>` would need the network to resolve them. The
  // package's dependencies are installed as the lockfile pins them (`npm ci --omit=dev`, tarballs
  // by integrity), then the app installs the unpacked package.
  const pkg = join(dir, 'package');
  await run('tar', ['xzf', join(dir, filename), '-C', dir]);
  copyFileSync(join(root, 'package-lock.json'), join(pkg, 'package-lock.json'));
  await run('npm', ['ci', '--omit=dev', ...OFFLINE], { cwd: pkg });
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  await run('npm', ['install', ...OFFLINE, pkg], { cwd: app });
  const help = await run('npx', ['--offline', 'signalroom', '--help'], { cwd: app });
  assert.match(help.stdout, /^Usage: signalroom \[options\]/);
  assert.match(help.stdout, /--turn-secret/);

  const child = spawn(join(app, 'node_modules/.bin/signalroom'), ['--port', '0', '--host', '127.0.0.1'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let url = '';
  for await (const line of createInterface({ input: child.stdout })) {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'listening' && entry.url) {
      url = entry.url;
      break;
    }
  }
  child.stdout.resume(); // keep draining its logs
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.match(await (await fetch(`${url}/`)).text(), /<html/i);
  assert.match(await (await fetch(`${url}/metrics`)).text(), /^signalroom_connections 0$/m);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);

  // deploy/signalroom.service, pointed at this installation, passes systemd's own checks.
  const unit = readFileSync(join(root, 'deploy/signalroom.service'), 'utf8').replaceAll(
    '/opt/signalroom',
    app,
  );
  writeFileSync(join(dir, 'signalroom.service'), unit);
  const verified = await run('systemd-analyze', ['verify', join(dir, 'signalroom.service')]).catch(
    (err: { code?: string; stderr?: string }) => {
      if (err.code === 'ENOENT') return null;
      throw new Error(`systemd-analyze verify failed: ${err.stderr}`);
    },
  );
  if (verified === null) t.diagnostic('systemd-analyze not installed: the unit file was not verified');
  else assert.equal(verified.stderr.trim(), '', 'systemd-analyze verify reports nothing');
});
