/** ICE servers come from the signaling server (never hard-coded public STUN: it must work on a LAN). */
import type { IceServer } from '../protocol/messages.js';

/** What an ICE servers endpoint answered. */
export interface IceServersAnswer {
  iceServers: IceServer[];
  /** The lifetime of the credentials in seconds, when the endpoint says (signalroom's does). */
  ttlSeconds: number | undefined;
}

/** Options of {@link fetchIceServers} and {@link requestIceServers}. */
export interface FetchIceServersOptions {
  /** Sent as `Authorization: Bearer <token>`: signalroom's `/api/ice-servers` requires the session's token. */
  token?: string | null;
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
}

/** Fetch `{ iceServers: [...] }` (or a bare array) from `url`; an empty list when the endpoint is missing or fails. */
export async function fetchIceServers(
  url: string,
  options: FetchIceServersOptions = {},
): Promise<IceServer[]> {
  return (await requestIceServers(url, options))?.iceServers ?? [];
}

/** Like {@link fetchIceServers}, with the credentials' lifetime; null when the request failed or was refused. */
export async function requestIceServers(
  url: string,
  { token, timeoutMs = 5000 }: FetchIceServersOptions = {},
): Promise<IceServersAnswer | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const response = await fetch(url, { signal: controller.signal, headers });
    if (!response.ok) return null;
    const body = (await response.json()) as unknown;
    const fields = (typeof body === 'object' && body !== null ? body : {}) as {
      iceServers?: unknown;
      ttlSeconds?: unknown;
    };
    const list = Array.isArray(body) ? body : fields.iceServers;
    if (!Array.isArray(list)) return null;
    const ttl = fields.ttlSeconds;
    return {
      iceServers: list.filter(isIceServer),
      ttlSeconds: typeof ttl === 'number' && ttl > 0 ? ttl : undefined,
    };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * When the earliest TURN REST credential among `servers` expires (ms since the epoch): the username
 * is `<expiry unix seconds>:<peer id>`. Undefined when none carries an expiry.
 */
export function credentialsExpireAt(servers: readonly IceServer[]): number | undefined {
  let earliest: number | undefined;
  for (const server of servers) {
    const match = /^(\d{9,})(?::|$)/.exec(server.username ?? '');
    if (!match) continue;
    const at = Number(match[1]) * 1000;
    if (earliest === undefined || at < earliest) earliest = at;
  }
  return earliest;
}

/** `ws(s)://host/any/path?…` → `http(s)://host/api/ice-servers`: where a signalroom server hands out fresh credentials. */
export function iceServersUrlFor(signalingUrl: string): string | null {
  try {
    const url = new URL(signalingUrl);
    url.protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
    url.pathname = '/api/ice-servers';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return null;
  }
}

function isIceServer(value: unknown): value is IceServer {
  if (typeof value !== 'object' || value === null) return false;
  const urls = (value as { urls?: unknown }).urls;
  return typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
}
