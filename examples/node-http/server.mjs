// Signaling on a plain node:http server, next to the app's own routes.
// Run: node examples/node-http/server.mjs   (PORT and HOST may be set; build the package first)
import http from 'node:http';
import { attachSignaling, signalroomRequestHandler } from 'signalroom';

/** The app's own routes. */
function app(req, res) {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('my node:http app\n');
}

const server = http.createServer();
// The WebSocket at /ws. With TURN or an admin token set here, their routes answer on this server too.
const signaling = await attachSignaling(server, { wsPath: '/ws', maxPeersPerRoom: 10 });
// /healthz, /readyz and /metrics: signalroom's routes first, the app's for everything else.
const routes = signalroomRequestHandler(signaling);
server.on('request', (req, res) => routes(req, res, () => app(req, res)));

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  console.log(`listening on http://${address}:${port}, signaling at ws://${address}:${port}/ws`);
});

// Ctrl-C or SIGTERM: close every signaling client (1001), then the server; the process then exits.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await signaling.close();
    server.close();
  });
}
