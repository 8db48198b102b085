/**
 * Realistic signaling payloads: a trickled ICE candidate (~250-byte frame) and a ~4 KB SDP offer.
 * Each carries a send timestamp between TS_OPEN and TS_CLOSE inside a field every server relays
 * verbatim, so the receiver finds it with one Buffer.indexOf and no JSON parse.
 */

/** Marks the start of the timestamp inside a payload string. */
export const TS_OPEN = '~T';
/** Marks the end of the timestamp. */
export const TS_CLOSE = '~';

/** The share of relayed messages that are SDPs (the rest are ICE candidates). */
export const SDP_SHARE = 0.1;

/** A host/srflx candidate line as Chrome trickles it, with the timestamp in the foundation's tail. */
export function candidateLine(ts: string): string {
  return `candidate:842163049 1 udp 1677729535 203.0.113.77 56143 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sXyZ network-id 3 network-cost 10 ${TS_OPEN}${ts}${TS_CLOSE}`;
}

const SDP_HEAD = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS stream',
];

function mediaSection(kind: string, mid: number, payloads: number[]): string[] {
  const lines = [
    `m=${kind} 9 UDP/TLS/RTP/SAVPF ${payloads.join(' ')}`,
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    'a=ice-ufrag:sXyZ',
    'a=ice-pwd:QcPmZ2n8y1vBq3Rk9LwT0aFh',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
    'a=setup:actpass',
    `a=mid:${mid}`,
    'a=sendrecv',
    'a=msid:stream track-' + mid,
    'a=rtcp-mux',
  ];
  for (const pt of payloads) {
    lines.push(`a=rtpmap:${pt} ${kind === 'audio' ? 'opus/48000/2' : 'VP8/90000'}`);
    lines.push(`a=rtcp-fb:${pt} transport-cc`);
    lines.push(`a=fmtp:${pt} minptime=10;useinbandfec=1`);
  }
  lines.push(`a=ssrc:${1000 + mid} cname:4TOk42mSjXCkVIa6`);
  return lines;
}

const SDP_BODY = [
  ...SDP_HEAD,
  ...mediaSection('audio', 0, [111, 63, 9, 0, 8, 13, 110, 126]),
  ...mediaSection('video', 1, [96, 97, 98, 99, 100, 101, 35, 36, 102, 103, 104, 105]),
  ...mediaSection('application', 2, [5000]),
].join('\r\n');

/** A ~3.9 KB SDP offer with the timestamp in an attribute line. */
export function sdpText(ts: string): string {
  return `${SDP_BODY}\r\na=x-bench-ts:${TS_OPEN}${ts}${TS_CLOSE}\r\n`;
}

/** The timestamp inside a received frame, or NaN when it has none. */
export function readTimestamp(frame: Buffer): number {
  const at = frame.indexOf(TS_OPEN);
  if (at < 0) return NaN;
  const end = frame.indexOf(TS_CLOSE, at + TS_OPEN.length);
  return Number(frame.toString('latin1', at + TS_OPEN.length, end));
}
