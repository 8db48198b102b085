/**
 * signalroom/client's types serve a Node program without the DOM lib: a consumer compiled with
 * `lib: ["ES2022"]` and `skipLibCheck: false` against freshly built declarations, through the
 * package's own `exports`; and werift's RTCPeerConnection fits PeerMesh without a cast. A React
 * app compiles against signalroom/react the same way.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

// A component using every hook, as a browser app (DOM lib, React's types) would.
const REACT_APP = `
import { createElement, type ReactNode } from 'react';
import { SignalroomProvider, useDataChannel, useLocalMedia, usePeers, useRemoteTracks, useSignaling, useSignalroom } from 'signalroom/react';

function Room({ stream }: { stream: MediaStream | null }): ReactNode {
  const { client } = useSignalroom();
  const { state, identity, roomId } = useSignaling();
  const peers = usePeers();
  const chat = useDataChannel('chat', ({ peer, data }) => console.log(peer.username, String(data)));
  const videos = useRemoteTracks().filter(({ track }) => track.kind === 'video');
  useLocalMedia(stream);
  const states: RTCPeerConnectionState[] = peers.map((peer) => peer.state);
  return createElement('p', null, state, identity?.username, roomId, states.join(), chat.open.length, chat.send('x'), videos.length, client.url);
}

export const app = createElement(SignalroomProvider, { url: 'ws://127.0.0.1:8080/ws', meshOptions: { dataChannels: [{ label: 'chat' }] } }, createElement(Room, { stream: null }));
`;

/**
 * An app folder laid out as `npm install signalroom` leaves it: the package (declarations built
 * now, the real `exports`) in node_modules beside its dependencies and the app's own packages.
 */
function consumerProject(t: TestContext): string {
  const app = mkdtempSync(join(tmpdir(), 'signalroom-node-types-'));
  t.after(() => rmSync(app, { recursive: true, force: true }));
  const pkg = join(app, 'node_modules/signalroom');
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
  // TypeBox (the protocol types use it) is the package's dependency; the rest are the app's.
  for (const dep of ['@sinclair', '@types', 'ws', 'werift', 'react'])
    symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
  return app;
}

/** Compile `source` as an ES2022 program, a Node one (no DOM lib) unless `lib` says otherwise; returns tsc's output. */
function compile(
  app: string,
  source: string,
  skipLibCheck: boolean,
  lib = ['ES2022'],
): { status: number | null; output: string } {
  writeFileSync(join(app, 'main.ts'), source);
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib,
    types: lib.includes('DOM') ? [] : ['node'],
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

test('a React app with the DOM lib and skipLibCheck false compiles against signalroom/react', (t) => {
  const app = consumerProject(t);
  const result = compile(app, REACT_APP, false, ['ES2022', 'DOM', 'DOM.Iterable']);
  assert.equal(result.status, 0, result.output);
});
