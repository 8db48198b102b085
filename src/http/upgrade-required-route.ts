/**
 * A plain GET of the WebSocket path (someone opening ws://host/ws as http://, or a proxy that drops
 * the Upgrade header) gets 426 Upgrade Required, naming the protocol, instead of a puzzling 404.
 * Real upgrades never reach Fastify: the transport takes them from the server's `upgrade` event.
 */
import type { FastifyInstance } from 'fastify';

/** Register `GET <wsPath>` → 426. */
export function registerUpgradeRequiredRoute(app: FastifyInstance, wsPath: string): void {
  app.get(wsPath, async (_request, reply) =>
    reply
      .code(426)
      .header('upgrade', 'websocket')
      .header('connection', 'Upgrade')
      .send({
        error: 'UPGRADE_REQUIRED',
        message: `${wsPath} is a WebSocket endpoint: connect with ws:// or wss://`,
      }),
  );
}
