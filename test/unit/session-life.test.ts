// One owner of a session's life: only session-life.ts changes a session's state.
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
