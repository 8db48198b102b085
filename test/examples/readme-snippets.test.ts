/**
 * The README's embedding snippets, copied as written into a file of their own (only the port made
 * free), run until stopped: they serve signaling and exit cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { transformSync } from 'esbuild';
import { identifiedClient } from '../helpers/test-client.js';
import { ROOT, runExample, stopsCleanly, waitForOutput } from './support/example-process.js';

/** The TypeScript blocks of the README's "Embedding" section. */
function embeddingSnippets(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Embedding'), readme.indexOf('## Protocol summary'));
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

const snippets = embeddingSnippets();

test('the README has the attachSignaling and the createServer snippet', () => {
  assert.equal(snippets.length, 2);
  assert.match(snippets[0] as string, /attachSignaling\(server/);
  assert.match(snippets[1] as string, /createServer\(/);
});

for (const [index, name] of ['attachSignaling', 'createServer'].entries()) {
  test(`the README's ${name} snippet serves until SIGTERM, then exits cleanly`, async (t) => {
    const source = (snippets[index] as string)
      .replace('listen(3000', 'listen(0')
      .replace('port: 8080', 'port: 0');
    // Inside the repository, so that `import … from 'signalroom'` finds the package itself.
    const dir = join(ROOT, 'test-artifacts/readme-snippets');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, transformSync(source, { loader: 'ts', format: 'esm' }).code);
    t.after(() => rmSync(file, { force: true }));
    const snippet = runExample(t, file);
    const [, port] = await waitForOutput(snippet, /(?:listening on port |ws:\/\/127\.0\.0\.1:)(\d+)/);
    await identifiedClient(t, `ws://127.0.0.1:${port}/ws`, 'copied');
    await stopsCleanly(snippet);
  });
}
