// Builds the demo web app (demo/) into dist/demo, served at / by the server, plus sdk.js: the client
// SDK as one browser ES module for pages that want to use it without a bundler.
// Usage: node scripts/build-demo.mjs [outDir]   — also importable: buildDemo(outDir), and
// watchDemo(outDir, onRebuild) for the development loop (scripts/dev.mjs).
import { cpSync, mkdirSync, rmSync, watch } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, context } from 'esbuild';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const STATIC_FILES = ['index.html', 'styles.css'];

/** esbuild's options for the two bundles written into `outDir`. */
function bundles(outDir) {
  const common = {
    bundle: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
    absWorkingDir: root,
  };
  return [
    { ...common, entryPoints: ['demo/src/main.ts'], outfile: resolve(outDir, 'app.js') },
    { ...common, entryPoints: ['client/index.ts'], outfile: resolve(outDir, 'sdk.js') },
  ];
}

function copyStatic(outDir) {
  for (const file of STATIC_FILES) cpSync(resolve(root, 'demo', file), resolve(outDir, file));
}

function emptyDir(outDir) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
}

/** Build the demo into `outDir` (default dist/demo). */
export async function buildDemo(outDir = resolve(root, 'dist/demo')) {
  emptyDir(outDir);
  await Promise.all(bundles(outDir).map((options) => build(options)));
  copyStatic(outDir);
  return outDir;
}

/**
 * Build the demo into `outDir`, then rebuild what changes (esbuild's watch mode for the bundles,
 * a directory watch for the page and its styles), calling `onRebuild` after each rebuild. Resolves,
 * once the first build is done, with a function that stops watching.
 */
export async function watchDemo(outDir = resolve(root, 'dist/demo'), onRebuild = () => {}) {
  emptyDir(outDir);
  copyStatic(outDir);
  const contexts = await Promise.all(
    bundles(outDir).map((options) => {
      let first = true;
      let built;
      const ready = new Promise((resolve) => (built = resolve));
      const report = {
        name: 'report-rebuilds',
        setup(esbuild) {
          esbuild.onEnd((result) => {
            if (first) built();
            else if (result.errors.length === 0) onRebuild(options.outfile);
            first = false;
          });
        },
      };
      return context({ ...options, plugins: [report] }).then(async (ctx) => {
        await ctx.watch();
        await ready;
        return ctx;
      });
    }),
  );
  const pages = watch(resolve(root, 'demo'), (_event, file) => {
    if (!STATIC_FILES.includes(String(file))) return;
    copyStatic(outDir);
    onRebuild(resolve(outDir, String(file)));
  });
  return async () => {
    pages.close();
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDemo(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
