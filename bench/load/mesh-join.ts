/**
 * The mesh-join model, at the protocol level: `peers` clients join one room one after another;
 * each joiner sends every member an SDP offer at once and `candidates` ICE candidates spread over
 * `spreadMs`, and every member answers each offer with an SDP answer and as many candidates over
 * the same time. The next peer joins as soon as the previous one has sent its offers, so a room
 * fills as when a class opens the page together. Used by the test of the default limits
 * (test/security/mesh-signals.test.ts) and the bench (bench/scenarios/mesh-join.ts). Bounded: it
 * gives up after `timeoutMs`, and talks to the given URL only.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** What to run. */
export interface MeshJoinOptions {
  /** The server's WebSocket URL (`ws://127.0.0.1:PORT/ws`). */
  url: string;
  peers: number;
  /** Candidates each side sends per connection (default 5). */
  candidates?: number;
  /** Over how long each side spreads its candidates (ms, default 500). */
  spreadMs?: number;
  /** Room and usernames are made from this. */
  prefix: string;
  /** Give up after this long (ms). */
  timeoutMs: number;
}

/** What happened. */
export interface MeshJoinResult {
  peers: number;
  /** Signals the model sends when nothing is refused: 2 × (1 + candidates) per pair. */
  expected: number;
  /** Signals that reached their target. */
  delivered: number;
  /** `ERROR` frames by code (a refused signal is lost: this model does not send it again). */
  errors: Record<string, number>;
  /** Connections the server closed before the end. */
  closed: number;
  /** From the first JOIN_ROOM to the last signal delivered (ms); NaN when not all arrived. */
  ms: number;
}

/** A ~1.5 KB SDP, the size of a browser's data-channel offer. */
const SDP = `v=0\r\no=- 0 2 IN IP4 127.0.0.1\r\ns=-\r\n${'a=candidate-free-line:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n'.repeat(24)}`;

interface Member {
  ws: WebSocket;
  id: string;
}

/** Run the model once against `options.url`; every socket is closed before it resolves. */
export async function meshJoin(options: MeshJoinOptions): Promise<MeshJoinResult> {
  const candidates = options.candidates ?? 5;
  const spreadMs = options.spreadMs ?? 500;
  const room = `${options.prefix}-mesh`;
  const expected = options.peers * (options.peers - 1) * (1 + candidates);
  const result: MeshJoinResult = { peers: 0, expected, delivered: 0, errors: {}, closed: 0, ms: NaN };
  const members: Member[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let started = 0;
  let lastMessageAt = performance.now();
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const deadline = setTimeout(finish, options.timeoutMs);

  const send = (from: Member, message: object) => {
    if (from.ws.readyState === WebSocket.OPEN) from.ws.send(JSON.stringify(message));
  };
  /** `candidates` candidates from `from` to each of `targets`, one round every spreadMs / candidates. */
  const trickle = (from: Member, targets: string[]) => {
    for (let c = 1; c <= candidates; c++) {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          for (const to of targets) {
            const candidate = `candidate:${c} 1 udp 2122260223 192.0.2.1 ${50000 + c} typ host`;
            send(from, {
              type: 'ICE_CANDIDATE',
              toPeerId: to,
              iceCandidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 },
            });
          }
        },
        (c * spreadMs) / candidates,
      );
      timers.add(timer);
    }
  };
  const onSignal = (me: Member, message: { type: string; fromPeerId?: string; code?: string }) => {
    lastMessageAt = performance.now();
    if (message.type === 'ERROR' || message.type === 'AUTH_ERROR') {
      const code = message.code ?? '?';
      result.errors[code] = (result.errors[code] ?? 0) + 1;
      return;
    }
    if (message.type !== 'SDP_OFFER' && message.type !== 'SDP_ANSWER' && message.type !== 'ICE_CANDIDATE')
      return;
    result.delivered++;
    if (message.type === 'SDP_OFFER' && message.fromPeerId) {
      send(me, { type: 'SDP_ANSWER', toPeerId: message.fromPeerId, sdp: { type: 'answer', sdp: SDP } });
      trickle(me, [message.fromPeerId]);
    }
    if (result.delivered === expected) {
      result.ms = performance.now() - started;
      finish();
    }
  };

  try {
    for (let i = 0; i < options.peers; i++) {
      const { member, others } = await joinOne(options.url, `${options.prefix}-${i}`, room, onSignal, () => {
        result.closed++;
      });
      if (i === 0) started = performance.now();
      members.push(member);
      result.peers++;
      for (const to of others)
        send(member, { type: 'SDP_OFFER', toPeerId: to, sdp: { type: 'offer', sdp: SDP } });
      trickle(member, others);
    }
    if (options.peers < 2) finish();
    // A refused signal is never sent again here: once everything sent has settled, stop waiting.
    const settle = setInterval(() => {
      if (timers.size === 0 && performance.now() - lastMessageAt > 1000) finish();
    }, 250);
    await finished;
    clearInterval(settle);
  } finally {
    clearTimeout(deadline);
    for (const timer of timers) clearTimeout(timer);
    for (const m of members) m.ws.terminate();
  }
  return result;
}

/** Open, identify and join; resolves with the member and the ids of those already in the room. */
function joinOne(
  url: string,
  username: string,
  room: string,
  onSignal: (me: Member, message: { type: string; fromPeerId?: string; code?: string }) => void,
  onClosed: () => void,
): Promise<{ member: Member; others: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const member: Member = { ws, id: '' };
    let joined = false;
    ws.on('error', (err) => {
      if (!joined) reject(err);
    });
    ws.on('close', () => {
      if (joined) onClosed();
      else reject(new Error(`${username}: closed before joining`));
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'IDENTIFY', username })));
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        peerId?: string;
        members?: { id: string }[];
        fromPeerId?: string;
        code?: string;
      };
      if (joined) return onSignal(member, message);
      if (message.type === 'AUTH_SUCCESS') {
        member.id = message.peerId as string;
        ws.send(JSON.stringify({ type: 'JOIN_ROOM', roomId: room }));
      } else if (message.type === 'ROOM_MEMBERS') {
        joined = true;
        resolve({ member, others: (message.members ?? []).map((m) => m.id) });
      } else if (message.type === 'AUTH_ERROR' || message.type === 'ERROR') {
        reject(new Error(`${username}: ${JSON.stringify(message)}`));
        ws.terminate();
      }
    });
  });
}
