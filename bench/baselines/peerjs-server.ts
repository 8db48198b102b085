/** Baseline: PeerJS server (npm `peer`), the best-known alternative, with limits raised for the bench. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { PeerServer } from 'peer';
import { serveChild } from '../servers/child.js';

serveChild(
  () =>
    new Promise((resolve) => {
      const app = PeerServer(
        {
          host: '127.0.0.1',
          port: 0,
          path: '/',
          // Defaults are 5,000 clients and 60 s without a heartbeat; the bench needs more of both.
          concurrent_limit: 100_000,
          alive_timeout: 600_000,
        },
        (server: Server) => {
          resolve({
            port: (server.address() as AddressInfo).port,
            close: () => new Promise<void>((r) => server.close(() => r())),
          });
        },
      );
      app.on('error', () => undefined);
    }),
);
