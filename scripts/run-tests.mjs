// Runs test files with node's test runner through tsx, two at a time (TEST_CONCURRENCY overrides).
// Usage: node scripts/run-tests.mjs [dir-or-file ...]   (default: test/)
// A directory becomes the glob `<dir>/**/*.test.ts`, which the test runner expands itself (Node ≥ 22).
import { statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(
    `run-tests: Node.js ${process.versions.node} is not supported; run under Node.js 22 or newer, e.g.\n` +
      '  PATH="$(dirname "$(node scripts/node-binary.mjs 26)"):$PATH" node scripts/run-tests.mjs ...',
  );
  process.exit(1);
}
const roots = process.argv.slice(2);
const patterns = (roots.length ? roots : ['test']).map((r) =>
  statSync(r).isDirectory() ? `${r.replace(/\/+$/, '')}/**/*.test.ts` : r,
);
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...patterns],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
