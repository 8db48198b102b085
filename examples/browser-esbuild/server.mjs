// Serves the browser app, bundled with esbuild when the server starts, and signaling at /ws.
// Run: node examples/browser-esbuild/server.mjs, then open http://127.0.0.1:3000 in two tabs.
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { build } from 'esbuild';
import { attachSignaling } from 'signalroom';

const here = new URL('.', import.meta.url);
// signalroom/client and its dependencies in one browser ES module, kept in memory.
const bundle = await build({
  entryPoints: [new URL('main.js', here).pathname],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  write: false,
});
const files = {
  '/': { type: 'text/html; charset=utf-8', body: await readFile(new URL('index.html', here)) },
  '/app.js': { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0].contents },
};

const server = http.createServer((req, res) => {
  const file = files[new URL(req.url, 'http://x').pathname];
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
