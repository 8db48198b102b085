/**
 * A load generator process. The bench runner starts a few of these (pinned away from the server)
 * and drives them over IPC, one command at a time; every command is bounded in count and time and
 * talks to 127.0.0.1 only. Replies carry what the generator measured.
 */
import { performance } from 'node:perf_hooks';
import { closePeers, inBatches, openPeer, type Peer } from './client.js';
import { PROTOCOLS, type ProtocolName } from './protocols.js';
import { meshJoin } from './mesh-join.js';
import { closedLoop, openLoop } from './relay-driver.js';
import { churn, joinStorm } from './sessions.js';

/** A command from the runner. */
export type GeneratorCommand =
  | { cmd: 'pairs'; protocol: ProtocolName; port: number; portB?: number; pairs: number; prefix: string }
  | { cmd: 'closed'; durationMs: number; window: number }
  | { cmd: 'open'; durationMs: number; rate: number }
  | { cmd: 'idle'; protocol: ProtocolName; port: number; count: number; prefix: string; concurrency: number }
  | { cmd: 'stormPrepare'; protocol: ProtocolName; port: number; count: number; prefix: string }
  | { cmd: 'stormGo'; room: string; timeoutMs: number }
  | {
      cmd: 'churn';
      protocol: ProtocolName;
      port: number;
      prefix: string;
      pairsPerSec: number;
      durationMs: number;
      messages: number;
      maxInFlight: number;
    }
  | { cmd: 'meshJoin'; port: number; peers: number; prefix: string; timeoutMs: number }
  | { cmd: 'closeAll' }
  | { cmd: 'exit' };

let peers: Peer[] = [];

async function handle(c: GeneratorCommand): Promise<unknown> {
  switch (c.cmd) {
    case 'pairs': {
      const protocol = PROTOCOLS[c.protocol];
      const t0 = performance.now();
      const made = await inBatches(c.pairs, 50, async (i) => {
        const room = `${c.prefix}-r${i}`;
        // The first joins before the second, so the second's room view includes it.
        const a = await openPeer(protocol, c.port, `${c.prefix}-${i}a`, room);
        // `portB`: the second peer on another node of a cluster (cross-node scenario).
        const b = await openPeer(protocol, c.portB ?? c.port, `${c.prefix}-${i}b`, room);
        a.partner = b;
        b.partner = a;
        a.out = protocol.templates(a.id, b.id);
        b.out = protocol.templates(b.id, a.id);
        return [a, b];
      });
      peers = made.results.flat();
      return {
        pairs: made.results.length,
        failed: made.failed,
        firstError: made.firstError,
        ms: performance.now() - t0,
      };
    }
    case 'closed':
      return closedLoop(peers, c.durationMs, c.window);
    case 'open':
      return openLoop(peers, c.durationMs, c.rate);
    case 'idle': {
      const protocol = PROTOCOLS[c.protocol];
      const t0 = performance.now();
      const made = await inBatches(c.count, c.concurrency, (i) =>
        openPeer(protocol, c.port, `${c.prefix}-${i}`, `${c.prefix}-r${i >> 1}`),
      );
      peers = made.results;
      return {
        connected: peers.length,
        failed: made.failed,
        firstError: made.firstError,
        ms: performance.now() - t0,
      };
    }
    case 'stormPrepare': {
      const protocol = PROTOCOLS[c.protocol];
      const made = await inBatches(c.count, 50, (i) =>
        openPeer(protocol, c.port, `${c.prefix}-${i}`, '', false),
      );
      peers = made.results;
      return { ready: peers.length, failed: made.failed, firstError: made.firstError };
    }
    case 'stormGo':
      return joinStorm(peers, c.room, c.timeoutMs);
    case 'churn':
      return churn(
        PROTOCOLS[c.protocol],
        c.port,
        c.prefix,
        c.pairsPerSec,
        c.durationMs,
        c.messages,
        c.maxInFlight,
      );
    case 'meshJoin':
      return meshJoin({
        url: `ws://127.0.0.1:${c.port}/ws`,
        peers: c.peers,
        prefix: c.prefix,
        timeoutMs: c.timeoutMs,
      });
    case 'closeAll': {
      const n = peers.length;
      await closePeers(peers);
      peers = [];
      return { closed: n };
    }
    case 'exit':
      await closePeers(peers);
      setImmediate(() => process.exit(0));
      return { bye: true };
  }
}

process.on('message', (msg: { id: number; command: GeneratorCommand }) => {
  handle(msg.command).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.stack ?? err.message }),
  );
});
// Never outlive the runner.
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });
