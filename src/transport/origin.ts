/**
 * The Origin check of the WebSocket upgrade, the defense against cross-site WebSocket hijacking:
 * a page on another site must not be able to open a signaling connection in its visitor's browser.
 * Pure functions, so every case is unit-tested without sockets.
 */

/** What the Origin check needs to know besides the request. */
export interface OriginPolicy {
  /**
   * Origins accepted besides the server's own. Each entry is one of:
   * - `https://app.example.com[:port]`: exactly that origin;
   * - `https://*.example.com[:port]`: any subdomain (one or more labels) of example.com with that scheme and port;
   * - `example.com` or `*.example.com` without a scheme: that host (or its subdomains) over http or https, any port;
   * - `*`: any origin at all, including `null` (logged as a warning at start).
   */
  allowedOrigins: readonly string[];
  /** Refuse upgrades that carry no Origin header (by default non-browser clients, which send none, are accepted). */
  requireOrigin: boolean;
  /** The scheme clients use to reach this server: `https` when it serves TLS or sits behind a TLS proxy. */
  scheme: 'http' | 'https';
}

/** One parsed entry of `allowedOrigins`. */
type OriginPattern =
  | { kind: 'any' }
  | { kind: 'exact'; origin: string }
  | { kind: 'host'; scheme: string | null; host: string; wildcard: boolean; port: string | null };

/** Why an `allowedOrigins` entry is unusable; thrown at start-up, never per request. */
export class OriginPatternError extends Error {
  constructor(entry: string, why: string) {
    super(`--allowed-origins: '${entry}' ${why}`);
    this.name = 'OriginPatternError';
  }
}

const HOST_LABELS = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;

/** Parse one `allowedOrigins` entry; throws {@link OriginPatternError} for an entry that could never match. */
export function parseOriginPattern(entry: string): OriginPattern {
  const raw = entry.trim().toLowerCase();
  if (raw === '*') return { kind: 'any' };
  if (raw === 'null') return { kind: 'exact', origin: 'null' };
  const schemeEnd = raw.indexOf('://');
  const scheme = schemeEnd === -1 ? null : raw.slice(0, schemeEnd);
  if (scheme !== null && scheme !== 'http' && scheme !== 'https') {
    if (raw.includes('*')) throw new OriginPatternError(entry, 'may use a wildcard only with http or https');
    return { kind: 'exact', origin: raw };
  }
  const rest = schemeEnd === -1 ? raw : raw.slice(schemeEnd + 3);
  const match = /^(\*\.)?(\[[0-9a-f:.]+\]|[^:/[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!match) throw new OriginPatternError(entry, 'is not an origin (scheme://host[:port], no path)');
  const wildcard = match[1] !== undefined;
  const host = match[2] as string;
  if (!HOST_LABELS.test(host) && !/^\[[0-9a-f:.]+\]$/.test(host))
    throw new OriginPatternError(
      entry,
      'has an invalid host (a wildcard may only be the first label, as in *.example.com)',
    );
  let port = match[3] ?? null;
  if (port !== null && scheme !== null && port === defaultPort(scheme)) port = null;
  return { kind: 'host', scheme, host, wildcard, port };
}

/**
 * Decide whether an upgrade with this `Origin` header may proceed. The server's own origin
 * (`scheme://` + the Host header) is always accepted; so is a missing Origin unless `requireOrigin`.
 */
export function originAllowed(
  origin: string | undefined,
  hostHeader: string | undefined,
  policy: OriginPolicy,
): boolean {
  if (origin === undefined || origin === '') return !policy.requireOrigin;
  const patterns = policy.allowedOrigins.map(parseOriginPattern);
  if (patterns.some((p) => p.kind === 'any')) return true;
  const parsed = parseOrigin(origin);
  if (parsed === null) {
    // `null` (sandboxed frames, file: pages) and non-web schemes match only an exact entry.
    const raw = origin.trim().toLowerCase();
    return patterns.some((p) => p.kind === 'exact' && p.origin === raw);
  }
  if (hostHeader !== undefined) {
    const own = parseOrigin(`${policy.scheme}://${hostHeader}`);
    if (own !== null && sameOrigin(own, parsed)) return true;
  }
  return patterns.some((p) => matches(p, parsed));
}

/** An http(s) origin split into parts, with the scheme's default port made explicit-less. */
interface WebOrigin {
  scheme: string;
  host: string;
  port: string;
}

function parseOrigin(value: string): WebOrigin | null {
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return null;
  // An Origin header is exactly scheme://host[:port]; anything more (path, credentials) is not one.
  if (url.username || url.password || url.search || url.hash) return null;
  if (url.pathname !== '/' || trimmed.endsWith('/')) return null;
  return { scheme, host: url.hostname, port: url.port };
}

function sameOrigin(a: WebOrigin, b: WebOrigin): boolean {
  return a.scheme === b.scheme && a.host === b.host && a.port === b.port;
}

function matches(pattern: OriginPattern, origin: WebOrigin): boolean {
  switch (pattern.kind) {
    case 'any':
      return true;
    case 'exact':
      return false;
    case 'host': {
      if (pattern.scheme !== null) {
        if (pattern.scheme !== origin.scheme) return false;
        if ((pattern.port ?? '') !== origin.port) return false;
      } else if (pattern.port !== null && pattern.port !== (origin.port || defaultPort(origin.scheme))) {
        return false;
      }
      if (!pattern.wildcard) return origin.host === pattern.host;
      // `*.example.com` matches `a.example.com` and `a.b.example.com`, never `example.com` itself,
      // `evilexample.com` or `example.com.evil.com`.
      return origin.host.endsWith(`.${pattern.host}`) && origin.host.length > pattern.host.length + 1;
    }
  }
}

function defaultPort(scheme: string): string {
  return scheme === 'https' ? '443' : '80';
}
