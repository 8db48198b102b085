/**
 * Baseline: the floor of Node + ws. Sockets are paired by the `pair` query parameter and every
 * frame is forwarded to the other socket of the pair as it came, never parsed.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveChild } from '../servers/child.js';

serveChild(async () => {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 65536 });
  const waiting = new Map<string, WebSocket>();
  wss.on('connection', (ws, req) => {
    const pair = new URL(req.url ?? '/', 'http://x').searchParams.get('pair') ?? '';
    let partner: WebSocket | null = null;
    const first = waiting.get(pair);
    if (first) {
      waiting.delete(pair);
      partner = first;
      first.emit('partner', ws);
    } else {
      waiting.set(pair, ws);
      ws.once('partner', (other: WebSocket) => (partner = other));
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => partner?.send(data, { binary: isBinary }));
    ws.on('error', () => undefined);
    ws.on('close', () => {
      if (waiting.get(pair) === ws) waiting.delete(pair);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        http.close(() => r());
      }),
  };
});
