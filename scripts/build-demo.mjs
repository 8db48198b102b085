// Builds the demo web app (demo/) into dist/demo, served at / by the server, plus sdk.js: the client
// SDK as one browser ES module for pages that want to use it without a bundler.
// Usage: node scripts/build-demo.mjs [outDir]   — also importable: buildDemo(outDir).
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(fileURLToPath(import.meta.url), '../..');

/** Build the demo into `outDir` (default dist/demo). */
export async function buildDemo(outDir = resolve(root, 'dist/demo')) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  await Promise.all([
    build({ ...common, entryPoints: ['demo/src/main.ts'], outfile: resolve(outDir, 'app.js') }),
    build({ ...common, entryPoints: ['client/index.ts'], outfile: resolve(outDir, 'sdk.js') }),
  ]);
  cpSync(resolve(root, 'demo/index.html'), resolve(outDir, 'index.html'));
  cpSync(resolve(root, 'demo/styles.css'), resolve(outDir, 'styles.css'));
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDemo(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
