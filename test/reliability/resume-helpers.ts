/** Helpers for resume scenarios: drop a client without a close frame, count frames, resume. */
import type { TestContext } from 'node:test';
import { TestClient, type Received } from '../helpers/test-client.js';

const SAFETY_MS = 10_000;

/** Wait until `check()` is true (polling a cheap in-process condition); throws after a safety timeout. */
export async function waitUntil(check: () => boolean, what: string, safetyMs = SAFETY_MS): Promise<void> {
  const deadline = Date.now() + safetyMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Frames the client received after its last AUTH_SUCCESS: the `received` count a resume sends. */
export function framesSinceAuth(client: TestClient): number {
  let last = -1;
  client.received.forEach((m, i) => {
    if (m.type === 'AUTH_SUCCESS') last = i;
  });
  return last === -1 ? 0 : client.received.length - last - 1;
}

/** The token of the client's last AUTH_SUCCESS. */
export function lastToken(client: TestClient): string {
  const auth = client.received.filter((m) => m.type === 'AUTH_SUCCESS').at(-1);
  if (typeof auth?.resumeToken !== 'string') throw new Error('no resume token received');
  return auth.resumeToken;
}

/** Connect again and resume `old`'s session; returns the new client and its AUTH_SUCCESS. */
export async function resume(
  t: TestContext,
  wsUrl: string,
  old: TestClient,
  received: number | undefined = framesSinceAuth(old),
): Promise<{ client: TestClient; auth: Received }> {
  const client = await TestClient.connect(t, wsUrl);
  const auth = await client.identify(old.username, { resumeToken: lastToken(old), received });
  return { client, auth };
}

/** Try to resume with `token` and return the AUTH_* answer without throwing on AUTH_ERROR. */
export async function tryResume(t: TestContext, wsUrl: string, token: string): Promise<Received> {
  const client = await TestClient.connect(t, wsUrl);
  client.send({ type: 'IDENTIFY', username: 'whoever', resumeToken: token });
  return client.waitFor((m) => m.type === 'AUTH_SUCCESS' || m.type === 'AUTH_ERROR', 'AUTH_*');
}

/** The whole numbers from `from` up to (not including) `to`: the numbers a client should receive. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Numbered ICE candidates, so order and duplicates can be checked by their number. */
export function numbered(to: string, n: number): object {
  return {
    type: 'ICE_CANDIDATE',
    toPeerId: to,
    iceCandidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${1000 + (n % 60000)} typ host` },
  };
}

/** The numbers of the numbered candidates a client received, in arrival order. */
export function numbersReceived(client: TestClient, from?: string): number[] {
  return client.received
    .filter((m) => m.type === 'ICE_CANDIDATE' && (from === undefined || m.fromPeerId === from))
    .map((m) => Number(/^candidate:(\d+)/.exec((m.iceCandidate as { candidate: string }).candidate)?.[1]));
}

/**
 * Wait until the server has seen `client` answer a heartbeat ping sent after every frame the
 * client has received so far (the ping carries the server's frame count of the session, `received`
 * for a resumed one): its pong shows the server those frames were read, so they leave the replay
 * log. The server pings again only once the previous ping is answered, so a further ping shows the
 * pong arrived.
 */
export async function pongedAfterAll(client: TestClient, received = framesSinceAuth(client)): Promise<void> {
  const count = String(received);
  let stage: 'waiting' | 'covered' | 'answered' = 'waiting';
  const onPing = (data: Buffer) => {
    if (stage === 'covered') stage = 'answered';
    else if (stage === 'waiting' && data.toString() === count) stage = 'covered';
  };
  client.ws.on('ping', onPing);
  try {
    await waitUntil(() => stage === 'answered', `a pong covering frame ${count}`);
  } finally {
    client.ws.off('ping', onPing);
  }
}
