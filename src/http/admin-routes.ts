/**
 * The admin API (off unless `--admin-token`): stats, rooms with member counts, members of a room,
 * and kicking a peer. Every route needs `Authorization: Bearer <admin token>`. Rooms come from the
 * backend, so with Redis they cover every node; a kick reaches the node holding the peer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BackendUnavailableError, KickUnconfirmedError, type Backend } from '../backend/backend.js';
import { bearerMatches } from './bearer.js';

/** What the admin routes read and act on. */
export interface AdminSource {
  backend: Backend;
  /** Open connections and identified peers on this node. */
  stats(): { connections: number; peers: number };
}

/** Largest page of `GET /api/rooms`. */
export const MAX_ROOM_PAGE = 1000;
const DEFAULT_ROOM_PAGE = 100;
const startedAt = Date.now();

/** Register the admin routes under `/api`, guarded by `token`. */
export function registerAdminRoutes(app: FastifyInstance, source: AdminSource, token: string): void {
  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="admin"')
          .send({ error: 'UNAUTHORIZED', message: 'A valid admin bearer token is required' });
      }
    });
    api.setErrorHandler(async (err, _request, reply) => {
      if (err instanceof KickUnconfirmedError) return unavailable(reply, err.message);
      if (err instanceof BackendUnavailableError) return unavailable(reply);
      if ((err as { validation?: unknown }).validation) {
        return reply.code(400).send({ error: 'BAD_REQUEST', message: (err as Error).message });
      }
      api.log.error({ err }, 'admin API failed');
      return reply.code(500).send({ error: 'INTERNAL', message: 'Internal server error' });
    });

    api.get('/api/stats', async () => {
      const { connections, peers } = source.stats();
      return {
        nodeId: source.backend.nodeId,
        backend: source.backend.kind,
        ready: source.backend.isReady(),
        uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
        connections,
        peers,
        rooms: await source.backend.roomCount(),
      };
    });

    api.get(
      '/api/rooms',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: {
              cursor: { type: 'string', minLength: 1, maxLength: 1024 },
              limit: { type: 'integer', minimum: 1, maximum: MAX_ROOM_PAGE, default: DEFAULT_ROOM_PAGE },
            },
            additionalProperties: false,
          },
        },
      },
      async (request) => {
        const { cursor, limit } = request.query as { cursor?: string; limit: number };
        return source.backend.listRooms(cursor ?? null, limit);
      },
    );

    api.get('/api/rooms/:roomId', async (request, reply) => {
      const { roomId } = request.params as { roomId: string };
      const members = await source.backend.roomMembers(roomId);
      if (members.length === 0) return notFound(reply, `No room '${roomId}'`);
      return { id: roomId, members: members.map((m) => ({ id: m.id, username: m.username })) };
    });

    api.delete('/api/rooms/:roomId/peers/:peerId', async (request, reply) => {
      const { roomId, peerId } = request.params as { roomId: string; peerId: string };
      if (!(await source.backend.kick(roomId, peerId))) {
        return notFound(reply, `No peer '${peerId}' in room '${roomId}'`);
      }
      return reply.code(204).send();
    });
  });
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(404).send({ error: 'NOT_FOUND', message });
}

function unavailable(
  reply: FastifyReply,
  message = 'The backend cannot answer right now; try again shortly',
): FastifyReply {
  return reply.code(503).send({ error: 'UNAVAILABLE', message });
}
