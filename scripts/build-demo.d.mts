/** Build the demo web app and the browser SDK bundle into `outDir` (default dist/demo); resolves with the directory. */
export function buildDemo(outDir?: string): Promise<string>;
