/**
 * `npm ci` warns (EBADENGINE) when a locked package's `engines.node` excludes the running Node.js.
 * What package.json promises (`>=22`) must hold for every runtime dependency from the first release
 * of each supported line; the dev dependencies (a contributor's `npm ci`) need 22.13 on the 22 line
 * (ESLint's visitor keys do), which the README's development section says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const SUPPORTED = ['22.0.0', '24.0.0', '26.0.0'];
const FOR_DEVELOPMENT = ['22.13.0', '24.0.0', '26.0.0'];
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<
    string,
    { engines?: { node?: string } | string[]; dev?: boolean; os?: string[]; cpu?: string[] }
  >;
};
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : 0));
  return [a, b, c];
};
const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `version` satisfies one comparator (`>=20`, `^18`, `14`, `>= 10.x`, `*`). */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|\^|~|=)?v?(\d+|x|\*)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(comparator);
  if (!match) throw new Error(`unsupported range part '${comparator}'`);
  const [, op = '', major, minor, patch] = match;
  if (major === 'x' || major === '*') return true;
  const bound = parse(`${major}.${minor ?? 0}.${patch ?? 0}`);
  const c = compare(version, bound);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return c >= 0 && version[0] === bound[0];
    case '~':
      return c >= 0 && version[0] === bound[0] && (minor === undefined || version[1] === bound[1]);
    default:
      // A bare `14` or `14.17` means that line (or that minor).
      return (
        version[0] === bound[0] &&
        (minor === undefined || minor === 'x' || minor === '*' || version[1] === bound[1])
      );
  }
}

/** Whether `version` satisfies an engines range (`||` alternatives of space-separated comparators). */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .filter((part) => part !== '')
      .every((part) => satisfiesComparator(v, part)),
  );
}

/**
 * npm installs (and checks the engines of) a package only on the platforms its `os` and `cpu` name:
 * a Windows-only build of an optional dependency never warns on Linux.
 */
function installsHere(entry: { os?: string[]; cpu?: string[] }): boolean {
  return (
    (entry.os === undefined || entry.os.includes(process.platform)) &&
    (entry.cpu === undefined || entry.cpu.includes(process.arch))
  );
}

test('the range checker reads the forms the lockfile uses', () => {
  assert.ok(satisfies('22.0.0', '>=22'));
  assert.ok(!satisfies('20.20.2', '>=22'));
  assert.ok(satisfies('24.0.0', '18 || 20 || >=22'));
  assert.ok(satisfies('22.0.0', '^16 || ^18 || >=20'));
  assert.ok(!satisfies('15.0.0', '>=16 || 14 >=14.17'));
  assert.ok(satisfies('26.0.0', '>= 10.x'));
  assert.ok(satisfies('26.0.0', '*'));
});

test('every runtime dependency accepts Node.js 22, 24 and 26, as package.json says; dev ones 22.13 on', () => {
  assert.equal(pkg.engines.node, '>=22');
  let checked = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!range || !installsHere(entry)) continue;
    checked++;
    for (const version of entry.dev ? FOR_DEVELOPMENT : SUPPORTED)
      assert.ok(satisfies(version, range), `${path || 'signalroom'} needs node ${range}: not ${version}`);
  }
  assert.ok(checked > 20, `${checked} packages with engines`);
});
