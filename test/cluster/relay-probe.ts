/**
 * Steady cross-node traffic for failure tests: each client of a pair sends the other a numbered
 * ICE candidate every interval (stamped with the time it was sent), and the probe records what
 * arrived, when, and what each sender was told. {@link RelayProbe.problems} then says, per
 * direction, whether any relay was lost without its sender being told (UNAVAILABLE), arrived
 * after the delivery bound, twice, or out of order — the guarantees of docs/scaling.md.
 */
import WebSocket from 'ws';
import type { Received, TestClient } from '../helpers/test-client.js';

/** One direction of the traffic. */
interface Stream {
  from: TestClient;
  to: TestClient;
  sent: number;
  /** Numbers received, in arrival order, with how long each took. */
  arrivals: Array<{ n: number; latencyMs: number }>;
  /** UNAVAILABLE answers to the sender's candidates (refused at once or reported later). */
  told: number;
  /** Any other error the sender got (none is expected). */
  errors: Received[];
}

/** Numbered relays both ways between the clients of each pair; see the module comment. */
export class RelayProbe {
  private readonly streams: Stream[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(pairs: ReadonlyArray<readonly [TestClient, TestClient]>) {
    for (const [a, b] of pairs) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const stream: Stream = { from, to, sent: 0, arrivals: [], told: 0, errors: [] };
        this.streams.push(stream);
        // Every client sends to one peer only, so an error it gets is about this stream.
        from.ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString('utf8')) as Received;
          if (msg.type !== 'ERROR') return;
          if (msg.code === 'UNAVAILABLE' && msg.ref === 'ICE_CANDIDATE') stream.told++;
          else stream.errors.push(msg);
        });
        to.ws.on('message', (data: Buffer) => {
          const msg = JSON.parse(data.toString('utf8')) as Received;
          if (msg.type !== 'ICE_CANDIDATE' || msg.fromPeerId !== from.peerId) return;
          const [, n, sentAt] =
            /^candidate:(\d+) (\d+)$/.exec((msg.iceCandidate as { candidate: string }).candidate) ?? [];
          stream.arrivals.push({ n: Number(n), latencyMs: Date.now() - Number(sentAt) });
        });
      }
    }
  }

  /** Start sending, one candidate per direction every `intervalMs`. */
  start(intervalMs = 100): void {
    this.timer = setInterval(() => {
      for (const s of this.streams) {
        if (s.from.ws.readyState !== WebSocket.OPEN) continue;
        const candidate = `candidate:${s.sent} ${Date.now()}`;
        s.sent++;
        s.from.send({
          type: 'ICE_CANDIDATE',
          toPeerId: s.to.peerId,
          iceCandidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 },
        });
      }
    }, intervalMs);
  }

  /** How many candidates have arrived in every direction (to wait for traffic to flow again). */
  arrivedEverywhere(): number {
    return Math.min(...this.streams.map((s) => s.arrivals.length));
  }

  /** Stop sending and wait (at most `settleMs`) until every relay arrived or its sender was told. */
  async stop(settleMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + settleMs;
    while (
      Date.now() < deadline &&
      this.streams.some((s) => new Set(s.arrivals.map((a) => a.n)).size + s.told < s.sent)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Every broken guarantee, one line each (empty when all held). */
  problems(boundMs: number): string[] {
    const out: string[] = [];
    this.streams.forEach((s, i) => {
      const name = `stream ${i} (${s.from.username} → ${s.to.username})`;
      const numbers = s.arrivals.map((a) => a.n);
      const distinct = new Set(numbers).size;
      if (distinct !== numbers.length) out.push(`${name}: ${numbers.length - distinct} delivered twice`);
      if (numbers.some((n, j) => j > 0 && n < (numbers[j - 1] as number))) out.push(`${name}: out of order`);
      const late = s.arrivals.filter((a) => a.latencyMs > boundMs);
      if (late.length > 0)
        out.push(
          `${name}: ${late.length} arrived after ${boundMs} ms (max ${Math.max(...late.map((a) => a.latencyMs))} ms)`,
        );
      const missing = s.sent - distinct;
      if (missing > s.told)
        out.push(`${name}: ${missing} not delivered but the sender was told of ${s.told}`);
      if (s.errors.length > 0) out.push(`${name}: unexpected errors ${JSON.stringify(s.errors.slice(0, 3))}`);
    });
    return out;
  }

  /** Counts per direction, for the test's log. */
  summary(): string {
    return this.streams
      .map(
        (s) =>
          `${s.from.username}→${s.to.username}: sent ${s.sent}, arrived ${s.arrivals.length}, told ${s.told}`,
      )
      .join('; ');
  }
}
