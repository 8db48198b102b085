/**
 * signalroom/client's types serve a Node program without the DOM lib: a consumer compiled with
 * `lib: ["ES2022"]` and `skipLibCheck: false` against freshly built declarations, through the
 * package's own `exports`; and werift's RTCPeerConnection fits PeerMesh without a cast.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

// Uses every part of the API whose types touch WebRTC, as a Node program would.
const CONSUMER = `
import WebSocket from 'ws';
import { PeerMesh, SignalingClient, SignalroomError, type PeerMeshOptions } from 'signalroom/client';

const client = new SignalingClient({ url: 'ws://127.0.0.1:8080/ws', WebSocket });
const options: PeerMeshOptions = { dataChannels: [{ label: 'chat', ordered: true }], rtcConfiguration: { iceTransportPolicy: 'relay' } };
const mesh = new PeerMesh(client, options);
mesh.on('channel', ({ peer, channel }) => {
  channel.onmessage = (event) => console.log(peer.username, String(event.data));
  channel.onopen = () => channel.send('hello ' + channel.label);
});
mesh.on('peer-state', ({ peer, state }) => console.log(peer.username, state === 'connected'));
mesh.on('track', ({ track, streams }) => console.log(track.kind, streams.length));
mesh.on('ice-servers', ({ iceServers }) => console.log(iceServers[0]?.urls));
mesh.on('error', ({ error }) => console.log(error instanceof SignalroomError, error.code));
for (const link of mesh.peers()) console.log(link.pc.connectionState, link.stats.offersSent);
await client.connect();
await client.identify('node');
const channel = mesh.createDataChannel('peer-id', 'files', { ordered: false });
channel.close();
`;

const WITH_WERIFT = `
import { RTCPeerConnection } from 'werift';
import { PeerMesh, SignalingClient } from 'signalroom/client';

const client = new SignalingClient({ url: 'ws://127.0.0.1:8080/ws' , WebSocket: (await import('ws')).default });
const mesh = new PeerMesh(client, { RTCPeerConnection, dataChannels: [{ label: 'chat' }] });
mesh.on('channel', ({ channel }) => { channel.onmessage = (event) => console.log(String(event.data)); });
`;

/** A package `signalroom` with the declarations built now and the real `exports`, and a consumer folder using it. */
function consumerProject(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'signalroom-node-types-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pkg = join(dir, 'signalroom');
  const built = spawnSync(
    process.execPath,
    [tsc, '-p', 'client/tsconfig.build.json', '--emitDeclarationOnly', '--outDir', join(pkg, 'dist')],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(built.status, 0, built.stdout + built.stderr);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'signalroom', type: 'module', exports: manifest.exports }),
  );
  // What an install brings along: the package's own dependencies (the protocol types use TypeBox).
  mkdirSync(join(pkg, 'node_modules'));
  symlinkSync(join(root, 'node_modules/@sinclair'), join(pkg, 'node_modules/@sinclair'));
  const app = join(dir, 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules/signalroom'));
  for (const dep of ['@types', 'ws', 'werift'])
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  return app;
}

/** Compile `source` as a Node ES2022 program without the DOM lib; returns tsc's output. */
function compile(
  app: string,
  source: string,
  skipLibCheck: boolean,
): { status: number | null; output: string } {
  writeFileSync(join(app, 'main.ts'), source);
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    skipLibCheck,
    noEmit: true,
  };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ type: 'module' }));
  const run = spawnSync(process.execPath, [tsc, '-p', '.'], { cwd: app, encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

test('a Node consumer with lib ES2022 and skipLibCheck false compiles against signalroom/client', (t) => {
  const app = consumerProject(t);
  const result = compile(app, CONSUMER, false);
  assert.equal(result.status, 0, result.output);
  // The check has teeth: a misuse of the same types is still an error.
  const misuse = compile(app, `${CONSUMER}\nmesh.on('channel', ({ channel }) => channel.send(42));\n`, false);
  assert.notEqual(misuse.status, 0);
  assert.match(misuse.output, /main\.ts.*TS2345/);
});

test("werift's RTCPeerConnection is accepted by PeerMesh as it is", (t) => {
  const app = consumerProject(t);
  // werift's own declarations need types of its dependencies that it does not ship: skip checking them.
  const result = compile(app, WITH_WERIFT, true);
  assert.equal(result.status, 0, result.output);
});
