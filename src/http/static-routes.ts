/** The web app at `/`: a directory, files in memory, or a note saying how to build the demo. */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { registerMemoryStaticRoutes } from './memory-static-routes.js';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>signalroom</title>
<p>signalroom is running. The demo app is not built: run <code>npm run build</code>.</p>`;

/** The web app served at `/`: a directory, or files held in memory (a single executable's demo). */
export type WebAppSource = { dir: string } | { files: ReadonlyMap<string, Uint8Array> };

/**
 * Serve `source` at `/`: its files, or a directory when it exists. Dotfiles (`/.env`,
 * `/.git/config`) are answered 404.
 */
export async function registerStaticRoutes(app: FastifyInstance, source: WebAppSource): Promise<void> {
  if ('files' in source) {
    registerMemoryStaticRoutes(app, source.files);
    return;
  }
  if (!existsSync(source.dir)) {
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: source.dir,
    prefix: '/',
    index: ['index.html'],
    // @fastify/static serves dotfiles by default; a web root is often a checkout with `.env` or
    // `.git/` in it. 'ignore' answers 404, as if they did not exist, so their presence is not told.
    dotfiles: 'ignore',
  });
}
