/**
 * A web app served from memory: the demo inside a single executable, which has no directory to
 * hand to @fastify/static. Each file is a route; `/` is index.html; ETags let browsers revalidate.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serve `files` (path relative to the web root → contents) at `/`. */
export function registerMemoryStaticRoutes(
  app: FastifyInstance,
  files: ReadonlyMap<string, Uint8Array>,
): void {
  for (const [path, body] of files) {
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const urls = path === 'index.html' ? ['/', '/index.html'] : [`/${path}`];
    for (const url of urls) {
      app.get(url, async (request, reply) => {
        reply.header('etag', etag).header('cache-control', 'no-cache');
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.type(type).send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      });
    }
  }
}
