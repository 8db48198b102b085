/** Which Node.js lines signalroom supports; the CLI says so before anything else when the running one is not. */

/** The oldest supported major version (package.json `engines` says the same). */
export const MIN_NODE_MAJOR = 22;

/** A warning for an unsupported Node.js version (`process.versions.node` by default), or null. */
export function unsupportedNodeWarning(version: string = process.versions.node): string | null {
  const major = Number(version.split('.')[0]);
  if (major >= MIN_NODE_MAJOR) return null;
  return (
    `signalroom: Node.js ${version} is not supported (it has reached end of life); ` +
    `use Node.js ${MIN_NODE_MAJOR}, 24 or 26. Starting anyway, but expect problems.\n`
  );
}
