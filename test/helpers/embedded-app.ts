/** A plain node:http app with signaling attached, for the embedding tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { attachSignaling, type Config } from '../../src/index.js';

/** Close `server` at once, keep-alive connections (fetch keeps them) included. */
export async function closeHttpServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * An app answering `my app: <method> <url> <body>` on 127.0.0.1:0, with signaling attached. One
 * teardown closes signaling first (its WebSocket sockets hold http.Server#close open), then the server.
 */
export async function embeddedApp(
  t: TestContext,
  config: Partial<Config> = {},
  beforeAttach?: (s: http.Server) => void,
) {
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`my app: ${req.method} ${req.url}${body ? ` ${body}` : ''}`);
  });
  beforeAttach?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const signaling = await attachSignaling(server, { logLevel: 'silent', ...config });
  t.after(async () => {
    await signaling.close();
    await closeHttpServer(server);
  });
  const port = (server.address() as AddressInfo).port;
  return { server, signaling, port, httpUrl: `http://127.0.0.1:${port}` };
}
