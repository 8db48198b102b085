/** The web app at `/`: the built demo, or a note saying how to build it. */
import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>signalroom</title>
<p>signalroom is running. The demo app is not built: run <code>npm run build</code>.</p>`;

/** Serve `dir` at `/` when it exists; dotfiles (`/.env`, `/.git/config`) are answered 404. */
export async function registerStaticRoutes(app: FastifyInstance, dir: string): Promise<void> {
  if (!existsSync(dir)) {
    app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    // @fastify/static serves dotfiles by default; a web root is often a checkout with `.env` or
    // `.git/` in it. 'ignore' answers 404, as if they did not exist, so their presence is not told.
    dotfiles: 'ignore',
  });
}
