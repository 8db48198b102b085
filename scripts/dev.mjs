// The development loop: `npm run dev [-- options]`. Builds the demo into dist/demo and rebuilds it
// when demo/ or client/ changes (esbuild's watch mode); runs the server from the TypeScript sources
// with `tsx watch`, which restarts it when a file it imports changes; logs are pretty. Options after
// `--` go to the server (`npm run dev -- --port 9000`; a later --log-format json wins). Ctrl-C stops all.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchDemo } from './build-demo.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const tsxCli = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/cli.mjs');

const stopDemo = await watchDemo(join(root, 'dist/demo'), (file) =>
  console.log(`dev: demo rebuilt (${relative(root, file)}); reload the page`),
);
const server = spawn(
  process.execPath,
  [tsxCli, 'watch', '--clear-screen=false', 'src/cli.ts', '--log-format', 'pretty', ...process.argv.slice(2)],
  // Its own process group: Ctrl-C reaches this script alone, which passes it on once (tsx force-kills
  // the server when a second signal arrives while it stops).
  { cwd: root, stdio: 'inherit', detached: true },
);
console.log(`dev: server under tsx watch (process group ${server.pid})`);

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  server.kill(signal); // tsx passes it on to the server and exits when the server has
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.once('exit', async (code) => {
  await stopDemo();
  process.exit(code ?? 0);
});
