// Signaling in an Express app: the WebSocket on the app's server, signalroom's routes as middleware.
// Run: node examples/express/server.mjs   (PORT and HOST may be set; build the package first)
import http from 'node:http';
import express from 'express';
import { attachSignaling, signalroomRequestHandler } from 'signalroom';

const app = express();
app.get('/', (_req, res) => {
  res.type('text').send('my express app\n');
});

const server = http.createServer(app);
const signaling = await attachSignaling(server, { wsPath: '/ws' });
// /healthz, /readyz, /metrics (and the admin API, ICE servers when configured); the rest falls through.
app.use(signalroomRequestHandler(signaling));

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
