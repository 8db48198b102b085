/** A TCP proxy for fault tests: forwards to a target port and can cut every connection at once. */
import net from 'node:net';
import type { TestContext } from 'node:test';

/** A running proxy. */
export interface TcpProxy {
  port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Reset every open connection, both sides, without any WebSocket close frame. */
  dropAll(): number;
  /**
   * End every connection with a FIN towards the client (no WebSocket close frame) and a reset
   * towards the server: the client sees its socket closing before it is closed.
   */
  finAll(): number;
  /**
   * Stop carrying anything either way and close nothing, as when a phone leaves a Wi-Fi network:
   * the server sees neither a FIN nor a reset (its connection looks alive until its heartbeat gives
   * up) and the client may give its side up. What the server writes from now on is kept in
   * {@link swallowed}.
   */
  blackholeAll(): number;
  /** The bytes servers wrote into blackholed connections, in order. */
  readonly swallowed: Buffer[];
  close(): Promise<void>;
}

/**
 * Start a proxy on 127.0.0.1:0 to `targetPort`; closed when the test ends. Each chunk is held for
 * `latencyMs` each way, like a real network, so a cut loses what is in flight.
 */
export async function startTcpProxy(t: TestContext, targetPort: number, latencyMs = 0): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const blackholed = new Set<net.Socket>();
  const swallowed: Buffer[] = [];
  let cuts = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    forward(client, upstream, latencyMs);
    forward(upstream, client, latencyMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TcpProxy = {
    port: (server.address() as net.AddressInfo).port,
    get cuts() {
      return cuts;
    },
    dropAll() {
      const n = pairs.size;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        // RST, as when a NAT entry or a Wi-Fi link vanishes: whatever was in flight is lost.
        for (const socket of pair) socket.resetAndDestroy();
      }
      cuts += n;
      return n;
    },
    finAll() {
      const n = pairs.size;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        const [client, upstream] = pair;
        for (const socket of pair)
          socket
            .removeAllListeners('close')
            .removeAllListeners('error')
            .on('error', () => {});
        upstream.resetAndDestroy();
        client.end();
        client.once('end', () => client.destroy());
      }
      cuts += n;
      return n;
    },
    blackholeAll() {
      const n = pairs.size;
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        const [client, upstream] = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        for (const socket of pair)
          socket
            .removeAllListeners('close')
            .removeAllListeners('error')
            .removeAllListeners('data')
            .on('error', () => {});
        // Read and drop what the client sends; keep what the server sends, so no buffer fills up.
        client.on('data', () => undefined).resume();
        upstream.on('data', (chunk: Buffer) => swallowed.push(chunk)).resume();
        blackholed.add(client).add(upstream);
      }
      cuts += n;
      return n;
    },
    swallowed,
    close() {
      proxy.dropAll();
      for (const socket of blackholed) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  t.after(() => proxy.close());
  return proxy;
}

function forward(from: net.Socket, to: net.Socket, latencyMs: number): void {
  if (latencyMs === 0) {
    from.pipe(to);
    return;
  }
  // Timers of equal delay fire in the order they were set, so the byte order is kept.
  from.on('data', (chunk: Buffer) => {
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, latencyMs);
  });
}
