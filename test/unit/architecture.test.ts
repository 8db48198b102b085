/**
 * The import graph of the shipped code (protocol/, src/, client/): no cycle anywhere, not even
 * through type-only imports, so every module can be read, tested and changed from the bottom up.
 * Which layer may import which is ESLint's (`no-restricted-imports` in eslint.config.js); a cycle
 * inside one layer is what lint cannot see, so it is checked here. ARCHITECTURE.md has the picture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every .ts file below `dir` (relative to the repository root). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The files `file` imports or re-exports from (relative specifiers only). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)\.js';/gms)];
  return specifiers.map((m) => relative(ROOT, resolve(ROOT, dirname(file), `${m[1]}.ts`)));
}

const files = ['protocol', 'src', 'client'].flatMap(sources);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('architecture: every relative import names a file that exists', () => {
  for (const [file, deps] of graph)
    for (const dep of deps) assert.ok(graph.has(dep), `${file} imports ${dep}, which is not a source file`);
});

test('architecture: no import cycle in protocol/, src/ or client/', () => {
  const done = new Set<string>();
  const onPath = new Set<string>();
  const visit = (file: string, path: string[]): void => {
    if (done.has(file)) return;
    assert.ok(!onPath.has(file), `import cycle: ${[...path.slice(path.indexOf(file)), file].join(' → ')}`);
    onPath.add(file);
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
    onPath.delete(file);
    done.add(file);
  };
  for (const file of files) visit(file, []);
  assert.ok(done.size > 100, `${done.size} files read`);
});

test('architecture: the shipped code reaches nothing outside it (tests, bench, scripts, demo)', () => {
  for (const [file, deps] of graph)
    for (const dep of deps)
      assert.ok(/^(protocol|src|client)\//.test(dep), `${file} imports ${dep}, outside the shipped code`);
});
