// Signaling in a Fastify app: the WebSocket on app.server, signalroom's routes as a plugin.
// Run: node examples/fastify/server.mjs   (PORT and HOST may be set; build the package first)
import Fastify from 'fastify';
import { attachSignaling, signalroomRoutes } from 'signalroom';

const app = Fastify();
app.get('/', async () => 'my fastify app\n');

const signaling = await attachSignaling(app.server, { wsPath: '/ws' });
// /healthz, /readyz, /metrics (and the admin API, ICE servers when configured); a prefix works too.
await app.register(signalroomRoutes, { signaling });

const url = await app.listen({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`listening on ${url}, signaling at ${url.replace(/^http/, 'ws')}/ws`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await signaling.close();
    await app.close();
  });
}
