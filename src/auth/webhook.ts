/**
 * `--auth webhook`: at IDENTIFY the server POSTs `{ username, ip, origin?, token? }` as JSON to
 * `--auth-url` and accepts the client only on HTTP 200. The body may be empty, or JSON
 * `{ "username"?: string, "rooms"?: string[] }` to rename the user or limit its rooms.
 * Anything else, a timeout, or the endpoint being down means `UNAUTHORIZED`: never a hang, never
 * a default "yes". No `roomId` is sent: the webhook runs once per connection, at IDENTIFY, and
 * limits rooms through `rooms` (enforced at every JOIN_ROOM).
 */
import type { Logger } from 'pino';
import type { Authenticator, AuthenticatedIdentity } from '../core/authenticator.js';
import { SignalError } from '../core/signal-error.js';

/** Options of the webhook authenticator. */
export interface WebhookOptions {
  url: string;
  /** The whole exchange (connect, answer, body) must finish within this. */
  timeoutMs: number;
  logger: Logger;
}

/** An answer body larger than this is refused unread: the endpoint is trusted, but not to be unbounded. */
const MAX_BODY_BYTES = 64 * 1024;

/** Build the authenticator. */
export function createWebhookAuthenticator(options: WebhookOptions): Authenticator {
  const log = options.logger.child({ component: 'auth-webhook' });
  return async (request) => {
    const body: Record<string, string> = { username: request.username, ip: request.ip };
    if (request.origin !== undefined) body.origin = request.origin;
    if (request.token !== undefined) body.token = request.token;
    let status: number;
    let text: string;
    try {
      const res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      status = res.status;
      text = await readCapped(res);
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      log.warn({ ip: request.ip, err: (err as Error).message, timedOut }, 'auth webhook failed');
      throw new SignalError(
        'UNAUTHORIZED',
        timedOut
          ? 'The authentication service did not answer in time'
          : 'The authentication service is unreachable',
      );
    }
    if (status !== 200) {
      log.info({ ip: request.ip, status }, 'auth webhook refused');
      throw new SignalError('UNAUTHORIZED');
    }
    return identityFrom(text, request.username, log);
  };
}

async function readCapped(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES || !res.body) {
    await res.body?.cancel();
    if (declared > MAX_BODY_BYTES) throw new Error('answer body too large');
    return '';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error('answer body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function identityFrom(text: string, claimed: string, log: Logger): AuthenticatedIdentity {
  if (text.trim() === '') return { username: claimed };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    log.warn('auth webhook answered 200 with a body that is not JSON');
    throw new SignalError('UNAUTHORIZED', 'The authentication service gave an unreadable answer');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SignalError('UNAUTHORIZED', 'The authentication service gave an unreadable answer');
  }
  const { username, rooms } = parsed as { username?: unknown; rooms?: unknown };
  if (username !== undefined && typeof username !== 'string') {
    throw new SignalError('UNAUTHORIZED', 'The authentication service gave an unreadable answer');
  }
  if (rooms !== undefined && (!Array.isArray(rooms) || !rooms.every((r) => typeof r === 'string'))) {
    throw new SignalError('UNAUTHORIZED', 'The authentication service gave an unreadable answer');
  }
  const identity: AuthenticatedIdentity = { username: username ?? claimed };
  if (rooms !== undefined) identity.rooms = rooms as string[];
  return identity;
}
