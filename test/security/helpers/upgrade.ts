/** Raw upgrade requests for handshake tests: full control over every header, the status as the result. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomBytes } from 'node:crypto';

/** What the server answered: 101 on an accepted upgrade, otherwise the HTTP status it refused with. */
export interface UpgradeOutcome {
  status: number;
}

/**
 * Send one WebSocket upgrade request to `url` with extra `headers` (from `localAddress`, e.g.
 * 127.0.0.2, to act as another client IP); resolves with the status.
 */
export function tryUpgrade(
  url: string,
  headers: Record<string, string> = {},
  tls: { ca?: string | Buffer; localAddress?: string } = {},
): Promise<UpgradeOutcome> {
  const target = new URL(url);
  const request = target.protocol === 'https:' || target.protocol === 'wss:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      ca: tls.ca,
      localAddress: tls.localAddress,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('no answer to the upgrade within 10 s')));
    req.end();
  });
}
