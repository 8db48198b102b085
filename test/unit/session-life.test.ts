// One owner of a session's life: only session-life.ts changes a session's state and its indexes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

const core = new URL('../../src/core/', import.meta.url);

test("only session-life.ts changes a session's state", () => {
  const writers = readdirSync(core)
    .filter((file) => file.endsWith('.ts') && file !== 'session-life.ts')
    .filter((file) => /\.state\s*=(?!=)/.test(readFileSync(new URL(file, core), 'utf8')));
  assert.deepEqual(writers, []);
});

test('only session-life.ts adds to or drops from the bearer index (with the session indexes)', () => {
  const src = new URL('../../src/', import.meta.url);
  const writers = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.startsWith('backend/') && !file.startsWith('metrics/'))
    .filter((file) => file !== 'core/session-life.ts')
    .filter((file) => /\.(addBearer|dropBearer)\(/.test(readFileSync(new URL(file, src), 'utf8')));
  assert.deepEqual(writers, []);
});
