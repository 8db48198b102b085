/**
 * What a single executable (scripts/build-sea.mjs) carries besides its code: a manifest with the
 * package version and the demo's file names, and the demo's files, as SEA assets. Outside a single
 * executable there are none, and the package's own files are read instead.
 */
import * as sea from 'node:sea';

/** The asset holding {@link SeaManifest} (scripts/build-sea.mjs writes it). */
export const MANIFEST_ASSET = 'manifest.json';
/** Demo files are the assets `demo/<path>`. */
export const DEMO_ASSET_PREFIX = 'demo/';

/** The manifest of a single executable. */
export interface SeaManifest {
  version: string;
  /** Paths of the demo's files, relative to the web root (`index.html`, `app.js`, ...). */
  demo: string[];
}

/** The manifest when running as a single executable, else null. */
export function seaManifest(): SeaManifest | null {
  if (!sea.isSea()) return null;
  return JSON.parse(sea.getAsset(MANIFEST_ASSET, 'utf8')) as SeaManifest;
}

/** The demo's files (path → contents) when running as a single executable, else null. */
export function embeddedDemo(): Map<string, Buffer> | null {
  const manifest = seaManifest();
  if (!manifest) return null;
  // getRawAsset would avoid the copy but is a view of memory that must not be modified; a copy
  // of a few hundred KiB once at start-up is cheap and safe to hand to any HTTP library.
  return new Map(
    manifest.demo.map((path) => [path, Buffer.from(sea.getAsset(`${DEMO_ASSET_PREFIX}${path}`))]),
  );
}
