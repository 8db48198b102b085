/** ICE servers come from the signaling server (never hard-coded public STUN: it must work on a LAN). */

/** Fetch `{ iceServers: [...] }` (or a bare array) from `url`; an empty list when the endpoint is missing or fails. */
export async function fetchIceServers(url: string, timeoutMs = 5000): Promise<RTCIceServer[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
    if (!response.ok) return [];
    const body = (await response.json()) as unknown;
    const list = Array.isArray(body) ? body : (body as { iceServers?: unknown } | null)?.iceServers;
    return Array.isArray(list) ? list.filter(isIceServer) : [];
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function isIceServer(value: unknown): value is RTCIceServer {
  if (typeof value !== 'object' || value === null) return false;
  const urls = (value as { urls?: unknown }).urls;
  return typeof urls === 'string' || (Array.isArray(urls) && urls.every((u) => typeof u === 'string'));
}
