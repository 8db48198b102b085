/** `/healthz` (the process is alive) and `/readyz` (it can serve new clients). */
import type { FastifyInstance } from 'fastify';

/** What the health routes ask. */
export interface HealthSource {
  isReady(): boolean;
}

/** Register the health routes. */
export function registerHealthRoutes(app: FastifyInstance, source: HealthSource): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = source.isReady();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });
}
