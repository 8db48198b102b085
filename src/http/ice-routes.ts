/**
 * `GET /api/ice-servers`: fresh TURN credentials for a peer whose credentials are about to expire.
 * The bearer is the token the peer identified with (its auth token, or later its resume token).
 * Any node answers for a live session on any node (the backend's bearer index), so the request
 * may land anywhere behind a load balancer; pages on `--allowed-origins` may call it (cors.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { IceServerIssuer } from '../auth/turn.js';
import { BackendUnavailableError } from '../backend/backend.js';
import { bearerToken } from './bearer.js';
import { registerCors } from './cors.js';

/** How the route recognises a live peer by its token, on any node. */
export interface PeerLookup {
  peerByToken(token: string): Promise<{ peerId: string; username: string } | null>;
}

const PATH = '/api/ice-servers';

/** Register `GET /api/ice-servers` (and its CORS preflight for `allowedOrigins`). */
export function registerIceRoutes(
  app: FastifyInstance,
  issuer: IceServerIssuer,
  peers: PeerLookup,
  allowedOrigins: readonly string[],
): void {
  const cors = registerCors(app, PATH, allowedOrigins);
  app.get(PATH, { onRequest: cors }, async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    let peer: { peerId: string } | null;
    try {
      peer = token === null ? null : await peers.peerByToken(token);
    } catch (err) {
      if (!(err instanceof BackendUnavailableError)) throw err;
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: 'UNAVAILABLE', message: 'The backend cannot answer right now; try again shortly' });
    }
    if (!peer) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="ice-servers"')
        .send({ error: 'UNAUTHORIZED', message: 'Send the token of a connected session as bearer' });
    }
    return reply
      .header('cache-control', 'no-store')
      .send({ iceServers: issuer.issue(peer.peerId) ?? [], ttlSeconds: issuer.ttlSeconds });
  });
}
