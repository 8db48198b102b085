/**
 * The key under which per-IP limits count a client. An IPv4 address is one client; an IPv6 client
 * usually holds a whole /64 (SLAAC, privacy addresses) and can pick a new address in it for every
 * connection, so IPv6 addresses count per prefix (`--ipv6-prefix-length`, default 64). An
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) counts as its IPv4 address.
 */
import { isIP } from 'node:net';

/** The default prefix length: one customer's LAN in IPv6 deployments (RFC 6177). */
export const DEFAULT_IPV6_PREFIX_LENGTH = 64;

/** `ip`'s limit key: IPv4 as is, IPv6 as its `/prefixLength` network (`2001:db8:0:7:0:0:0:0/64`). */
export function ipLimitKey(ip: string, prefixLength: number): string {
  if (!ip.includes(':')) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  const masked = groups.map((group, i) => {
    const bitsLeft = prefixLength - i * 16;
    if (bitsLeft >= 16) return group;
    if (bitsLeft <= 0) return 0;
    return group & ((0xffff << (16 - bitsLeft)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${prefixLength}`;
}

/** The eight 16-bit groups of an IPv6 address (zone id dropped), or `null` if it is not one. */
function ipv6Groups(raw: string): number[] | null {
  const address = raw.split('%')[0] as string;
  if (isIP(address) !== 6) return null;
  let text = address;
  // A dotted IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) is two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = 8 - left.length - right.length;
  return [...left, ...new Array<number>(zeros).fill(0), ...right];
}
