/**
 * `GET /api/ice-servers`: fresh TURN credentials for a peer whose credentials are about to expire.
 * The bearer is the token the peer identified with (its auth token, or later its resume token);
 * the peer must be connected to this node, so the credentials name a live peer id.
 */
import type { FastifyInstance } from 'fastify';
import type { IceServerIssuer } from '../auth/turn.js';
import { bearerToken } from './bearer.js';

/** How the route recognises a peer by its token. */
export interface PeerLookup {
  peerByToken(token: string): { peerId: string; username: string } | null;
}

/** Register `GET /api/ice-servers`. */
export function registerIceRoutes(app: FastifyInstance, issuer: IceServerIssuer, peers: PeerLookup): void {
  app.get('/api/ice-servers', async (request, reply) => {
    const token = bearerToken(request.headers.authorization);
    const peer = token === null ? null : peers.peerByToken(token);
    if (!peer) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="ice-servers"')
        .send({ error: 'UNAUTHORIZED', message: 'Send the token of an identified connection as bearer' });
    }
    return reply
      .header('cache-control', 'no-store')
      .send({ iceServers: issuer.issue(peer.peerId) ?? [], ttlSeconds: issuer.ttlSeconds });
  });
}
