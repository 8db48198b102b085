// Serves a browser app (examples/browser-esbuild or examples/react) and signaling at /ws on one
// node:http server. The app's main.js or main.jsx is bundled with esbuild, with signalroom/client
// or signalroom/react and everything else it imports, when the server starts.
// Run: node examples/serve-browser-app.mjs examples/react, then open http://127.0.0.1:3000 in two tabs.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { attachSignaling } from 'signalroom';

const dir = resolve(process.argv[2] ?? 'examples/browser-esbuild');
const entry = ['main.jsx', 'main.js'].map((name) => join(dir, name)).find((path) => existsSync(path));
// One browser ES module, kept in memory; React's production build for JSX apps.
const bundle = await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  write: false,
});
const files = {
  '/': { type: 'text/html; charset=utf-8', body: await readFile(join(dir, 'index.html')) },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0].contents },
};

const server = http.createServer((req, res) => {
  const file = files[new URL(req.url, 'http://localhost').pathname];
  res.writeHead(file ? 200 : 404, { 'content-type': file?.type ?? 'text/plain' });
  res.end(file?.body ?? 'not found');
});
const signaling = await attachSignaling(server, { wsPath: '/ws' });

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}, signaling at ws://${address}:${port}/ws`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await signaling.close();
    server.close();
  });
}
