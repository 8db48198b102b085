import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join, dirname } from 'node:path';
import { startServer } from '../helpers/test-server.js';
import { TestClient } from '../helpers/test-client.js';
import { tryUpgrade } from './helpers/upgrade.js';
import { tempFiles } from './helpers/auth.js';
import { defineConfig } from '../../src/config.js';
import { checkCombinations } from '../../src/module-options.js';

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI for this test only. */
function selfSigned(t: TestContext): { cert: string; key: string; certFile: string; keyFile: string } {
  const dir = dirname(tempFiles(t)('.keep', ''));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

test('--tls-cert/--tls-key: https and wss served directly, signaling works end to end', async (t) => {
  const { cert, certFile, keyFile } = selfSigned(t);
  const { server, port } = await startServer(t, { tlsCert: certFile, tlsKey: keyFile });
  const wssUrl = `wss://127.0.0.1:${port}/ws`;

  const health = await httpsGet(`https://127.0.0.1:${port}/healthz`, cert);
  assert.equal(health.status, 200);

  const alice = await TestClient.connect(t, wssUrl, { ca: cert });
  const bob = await TestClient.connect(t, wssUrl, { ca: cert });
  await alice.identify('tls-alice');
  await bob.identify('tls-bob');
  await alice.join('secure');
  await bob.join('secure');
  alice.send({ type: 'ICE_CANDIDATE', toPeerId: bob.peerId, iceCandidate: { candidate: 'candidate:1' } });
  assert.equal((await bob.next('ICE_CANDIDATE')).fromPeerId, alice.peerId);

  // Over TLS the server's own origin is https://host.
  assert.equal((await tryUpgrade(wssUrl, { Origin: `https://127.0.0.1:${port}` }, { ca: cert })).status, 101);
  assert.equal((await tryUpgrade(wssUrl, { Origin: `http://127.0.0.1:${port}` }, { ca: cert })).status, 403);
  // A client that does not trust the certificate gets nowhere.
  await assert.rejects(TestClient.connect(t, wssUrl), /self-signed|certificate/i);
  assert.equal(server.config.tlsCert, certFile);
});

test('--tls-cert without --tls-key is refused at start-up', () => {
  assert.throws(() => checkCombinations(defineConfig({ tlsCert: '/cert.pem' })), /go together/);
});
