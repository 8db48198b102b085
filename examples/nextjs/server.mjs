// A Next.js app and signaling on one http.Server: Next's request handler for pages, signalroom's
// routes in front of it, and the WebSocket at /ws.
// Run: npx next build examples/nextjs && NODE_ENV=production node examples/nextjs/server.mjs
//  or, for development (pages compiled on demand): node examples/nextjs/server.mjs
import http from 'node:http';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { attachSignaling, signalroomRequestHandler } from 'signalroom';

const app = next({
  dev: process.env.NODE_ENV !== 'production',
  dir: dirname(fileURLToPath(import.meta.url)),
});
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer();
// Signaling takes the upgrades to /ws; others (Next's hot reload in development) stay Next's.
const signaling = await attachSignaling(server, { wsPath: '/ws' });
const routes = signalroomRequestHandler(signaling);
server.on('request', (req, res) => routes(req, res, () => handle(req, res)));

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}, signaling at ws://${address}:${port}/ws`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await signaling.close();
    server.close();
    await app.close();
  });
}
