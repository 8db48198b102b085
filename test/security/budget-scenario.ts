/**
 * The scenario of "a reconnect does not reset the limits", shared by the one-node test
 * (resume-budgets.test.ts) and the cluster test (test/cluster/resume-budgets.test.ts): a client
 * spends part of its budget, drops its connection without a close frame, resumes (on the same
 * node or another one) and floods. What the resumed connection gets through is what the budget
 * had left, plus what refilled meanwhile (an upper bound from the elapsed time, not a timing
 * check): never a fresh burst.
 */
import type { TestContext } from 'node:test';
import { TestClient, type Received } from '../helpers/test-client.js';
import { resume, waitUntil } from '../reliability/resume-helpers.js';

/** The limits the scenario's servers run with: a slow refill, so a fresh burst stands out. */
export const BUDGET_LIMITS = {
  messagesPerSecond: 1,
  messageBurst: 100,
  roomChangesPerSecond: 1,
  roomChangeBurst: 20,
};

/** The same as CLI arguments (for node processes). */
export const BUDGET_ARGS = [
  '--max-messages-per-second',
  String(BUDGET_LIMITS.messagesPerSecond),
  '--message-burst',
  String(BUDGET_LIMITS.messageBurst),
  '--max-room-changes-per-second',
  String(BUDGET_LIMITS.roomChangesPerSecond),
  '--room-change-burst',
  String(BUDGET_LIMITS.roomChangeBurst),
];

/** What got through after the resume, and the upper bound of the time the budget had to refill. */
export interface Outcome {
  /** Frames (or room changes) of the flood after the resume that were accepted. */
  accepted: number;
  /** Of the flood after the resume, those refused with RATE_LIMITED. */
  refused: number;
  /** What the budget had left before the flood, without any refill (the client's own count). */
  left: number;
  /** Seconds from the client's first frame to the end of the flood: refill can add at most this × rate. */
  elapsedS: number;
}

/** Wait until the node (`held()`) holds the dropped client, when the test can see it. */
export type HeldCheck = (client: TestClient) => Promise<void>;

/**
 * Messages: IDENTIFY and 40 PINGs, drop, resume through `resumeUrl` (its IDENTIFY is a message
 * too), then a flood of a whole burst of PINGs.
 */
export async function messageFlood(
  t: TestContext,
  identifyUrl: string,
  resumeUrl: string,
  held: HeldCheck,
): Promise<Outcome> {
  const before = 40;
  const flood = BUDGET_LIMITS.messageBurst;
  const started = Date.now();
  const again = await spendDropResume(t, { identifyUrl, resumeUrl, held }, 'flooder', async (client) => {
    for (let i = 0; i < before; i++) client.send({ type: 'PING', id: `a${i}` });
    await waitUntil(() => pongs(client.received) === before, `${before} PONGs before the drop`);
  });
  for (let i = 0; i < flood; i++) again.send({ type: 'PING', id: `b${i}` });
  await waitUntil(
    () => pongs(again.received) + rateLimited(again.received) === flood,
    `an answer to each of the ${flood} PINGs`,
  );
  const elapsedS = (Date.now() - started) / 1000;
  return {
    accepted: pongs(again.received),
    refused: rateLimited(again.received),
    // The burst, less both IDENTIFYs and the PINGs before the drop.
    left: BUDGET_LIMITS.messageBurst - 2 - before,
    elapsedS,
  };
}

/**
 * Room changes: 10 joins (room switches), drop, resume through `resumeUrl`, then a whole
 * room-change burst of joins.
 */
export async function roomChangeFlood(
  t: TestContext,
  identifyUrl: string,
  resumeUrl: string,
  held: HeldCheck,
): Promise<Outcome> {
  const before = 10;
  const flood = BUDGET_LIMITS.roomChangeBurst;
  const started = Date.now();
  const again = await spendDropResume(t, { identifyUrl, resumeUrl, held }, 'switcher', async (client) => {
    for (let i = 0; i < before; i++) await client.join(`room-${i}`);
  });
  for (let i = 0; i < flood; i++) again.send({ type: 'JOIN_ROOM', roomId: `later-${i}` });
  const answers = (m: Received) => m.type === 'ROOM_MEMBERS' || (m.type === 'ERROR' && m.ref === 'JOIN_ROOM');
  await waitUntil(
    () => again.received.filter(answers).length === flood,
    `an answer to each of ${flood} joins`,
  );
  const elapsedS = (Date.now() - started) / 1000;
  const refused = again.received.filter((m) => m.type === 'ERROR' && m.code === 'RATE_LIMITED').length;
  return { accepted: flood - refused, refused, left: BUDGET_LIMITS.roomChangeBurst - before, elapsedS };
}

/**
 * The resumed connection got through what was left and what could have refilled (at `perSecond`),
 * and never the fresh burst it got before the budgets followed the session.
 */
export function assertNoFreshBurst(outcome: Outcome, perSecond: number, what: string): void {
  const { accepted, left, elapsedS } = outcome;
  const most = left + Math.ceil(elapsedS * perSecond) + 1;
  if (accepted < left || accepted > most) {
    throw new Error(
      `${what}: ${accepted} accepted after the resume; expected what was left (${left}) plus at most the refill of ${elapsedS.toFixed(1)} s (≤ ${most})`,
    );
  }
}

/** Identify as `name`, `spend` part of the budget, drop without a close frame, resume: the new connection. */
async function spendDropResume(
  t: TestContext,
  where: { identifyUrl: string; resumeUrl: string; held: HeldCheck },
  name: string,
  spend: (client: TestClient) => Promise<void>,
): Promise<TestClient> {
  const client = await TestClient.connect(t, where.identifyUrl);
  await client.identify(name);
  await spend(client);
  client.terminate();
  await where.held(client);
  return (await resume(t, where.resumeUrl, client)).client;
}

function pongs(received: Received[]): number {
  return received.filter((m) => m.type === 'PONG').length;
}

function rateLimited(received: Received[]): number {
  return received.filter((m) => m.type === 'ERROR' && m.code === 'RATE_LIMITED').length;
}
