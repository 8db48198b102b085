// --static-dir must not publish the secrets a web root often holds: .env, .git/, .npmrc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../helpers/test-server.js';
import { tempFiles } from './helpers/auth.js';

test('--static-dir answers 404 for dotfiles and files under dot-directories, and serves the rest', async (t) => {
  const write = tempFiles(t);
  const index = write('index.html', '<p>app</p>');
  const dir = join(index, '..');
  write('.env', 'SECRET=1');
  mkdirSync(join(dir, '.git'));
  write('.git/config', '[core]');
  mkdirSync(join(dir, 'assets'));
  write('assets/.npmrc', 'token');
  write('assets/app.js', 'app()');
  const { httpUrl } = await startServer(t, { staticDir: dir });

  for (const path of ['/.env', '/.git/config', '/assets/.npmrc', '/assets/../.env', '/%2eenv', '/.git/']) {
    const res = await fetch(`${httpUrl}${path}`);
    const body = await res.text();
    assert.equal(res.status, 404, `${path} is refused`);
    assert.ok(!body.includes('SECRET') && !body.includes('[core]') && !body.includes('token'), path);
  }
  assert.equal(await (await fetch(`${httpUrl}/`)).text(), '<p>app</p>');
  assert.equal(await (await fetch(`${httpUrl}/assets/app.js`)).text(), 'app()');
});
