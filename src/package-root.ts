/** Locates files shipped with the package, whether running from src/ (tsx), dist/src/ (built) or a single executable. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebAppSource } from './http/static-routes.js';
import { embeddedDemo, seaManifest } from './sea-assets.js';

/** The directory holding signalroom's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const name = (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name;
      if (name === 'signalroom') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('signalroom package.json not found');
    dir = parent;
  }
}

/** The built demo app (`npm run build` writes it). */
export function demoDir(): string {
  return join(packageRoot(), 'dist', 'demo');
}

/** `--static-dir` when given, else the demo: embedded in a single executable, else dist/demo. */
export function webAppSource(staticDir: string): WebAppSource {
  if (staticDir !== '') return { dir: staticDir };
  const files = embeddedDemo();
  return files ? { files } : { dir: demoDir() };
}

/** signalroom's version (package.json, or the single executable's manifest). */
export function packageVersion(): string {
  const manifest = seaManifest();
  if (manifest) return manifest.version;
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
