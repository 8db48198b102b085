/**
 * Who is really connecting: the socket's peer address, or, when that peer is a trusted reverse proxy,
 * the client it names in `X-Forwarded-For`. Per-IP limits and logs use the result, so an untrusted
 * client can never choose its own address by sending the header itself.
 */
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/** The proxies whose forwarding headers are believed; built once from `--trust-proxy`. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `entries`: IP addresses or CIDR subnets (`10.0.0.0/8`, `::1`). Throws on anything else. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits, extra] = entry.trim().split('/');
      const family = isIP(address ?? '');
      if (family === 0 || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
        throw new Error(`--trust-proxy: '${entry}' is not an IP address or CIDR subnet`);
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(address as string, type);
      else this.list.addSubnet(address as string, Number(bits), type);
    }
    this.size = entries.length;
  }

  /** True when `address` is one of the trusted proxies. */
  trusts(address: string): boolean {
    if (this.size === 0) return false;
    const plain = unmapIPv4(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** What the transport knows about the far end of an upgrade request. */
export interface ClientAddress {
  /** The client's IP address, after trusted proxies. */
  ip: string;
  /** True when a trusted proxy said the client used https. */
  forwardedHttps: boolean;
}

/**
 * Resolve the client address of `req`. `X-Forwarded-For` is read right to left and the first
 * address that is not a trusted proxy wins; addresses left of it could be forged by the client.
 */
export function clientAddress(req: IncomingMessage, proxies: TrustedProxies): ClientAddress {
  const peer = unmapIPv4(req.socket.remoteAddress ?? 'unknown');
  if (!proxies.trusts(peer)) return { ip: peer, forwardedHttps: false };
  let ip = peer;
  const hops = headerList(req.headers['x-forwarded-for']);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapIPv4(hops[i] as string);
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!proxies.trusts(hop)) break;
  }
  const proto = headerList(req.headers['x-forwarded-proto'])[0]?.toLowerCase();
  return { ip, forwardedHttps: proto === 'https' || proto === 'wss' };
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) counts as `1.2.3.4`. */
function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
