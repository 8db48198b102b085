import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { currentConfigTable, renderConfigTable } from '../../scripts/gen-config-table.js';
import { OPTIONS, envName, formatDefault } from '../../src/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

test('the README configuration table is the one generated from OPTIONS (run `npm run docs:config`)', async () => {
  const current = currentConfigTable(readme);
  assert.ok(current !== null, 'README.md lacks the config-table markers');
  assert.equal(current, await renderConfigTable());
});

test('the generated table names every option with its flag, variable and default', async () => {
  const table = await renderConfigTable();
  for (const [flag, spec] of Object.entries(OPTIONS)) {
    const row = table.split('\n').find((line) => line.includes(`\`--${flag}\``));
    assert.ok(row, `no row for --${flag}`);
    assert.ok(row.includes(`\`${envName(flag)}\``), `--${flag}: no env variable`);
    const shown = formatDefault(spec);
    assert.ok(row.includes(`\`${shown}\``), `--${flag}: default ${shown} not shown`);
  }
});

test('the README quick start is exactly the two commands', () => {
  const block = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'no Quick start code block');
  assert.equal(block[1], 'npm ci && npm start\nnpm test\n');
});
