/** Build the demo web app and the browser SDK bundle into `outDir` (default dist/demo); resolves with the directory. */
export function buildDemo(outDir?: string): Promise<string>;
/** Build the demo into `outDir`, then rebuild on changes, calling `onRebuild(file)`; resolves with a function that stops watching. */
export function watchDemo(outDir?: string, onRebuild?: (file: string) => void): Promise<() => Promise<void>>;
