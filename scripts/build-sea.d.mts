/** Build the single executable at `outFile` (default dist/sea/signalroom) with `node` (default: a Node.js able to, 26 if need be). */
export function buildSea(options?: {
  outFile?: string;
  node?: string;
}): Promise<{ path: string; nodeVersion: string }>;
