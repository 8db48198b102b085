/**
 * The text of one publish between nodes: a batch of messages from one node to another. A node
 * collects what it sends each node during one turn of the event loop and publishes it as one
 * batch, so Redis handles one command for many messages (docs/scaling.md measures what that
 * saves) while the order per sender → target stays the order of the batch and of the batches.
 *
 * Layout: a header `SR1 <from> <seq> <deadline> <ack>\n` (`ack`: relay-acks.ts, `<up to>` or
 * `<up to>/<a>-<b>,…` naming batches that never arrived; absent from nodes that predate it, and
 * ignored by them), then records, each length-prefixed so any
 * text fits: `r<room>,<to>,<frame>:` followed by the three (lengths in UTF-16 units) for a relayed
 * frame, embedded as it is (no JSON escaping on the way out, no parsing on the way in), and
 * `m<length>:` followed by the JSON of any other {@link ClusterMessage}.
 *
 * `seq` numbers the batches from one node to one node (1, 2, …), so the receiver sees a gap when
 * one was lost. `deadline` is the time, on the clock the nodes share (cluster-view.ts), after
 * which the relays in the batch must no longer be delivered.
 */
import { frameFromText } from '../../protocol/frame.js';
import { decodeClusterMessage, encodeClusterMessage, type ClusterMessage } from './cluster-messages.js';

/** What every batch says about itself. */
export interface BatchHeader {
  from: string;
  seq: number;
  deadline: number;
  /**
   * What the sender processed of the receiver's batches (relay-acks.ts). Absent in batches from
   * nodes that predate acknowledgements.
   */
  ack?: BatchAck;
}

/** An acknowledgement: every batch up to `upTo` was processed, except the `missing` ranges (which never arrived). */
export interface BatchAck {
  /** The last batch processed; 0: none yet. */
  upTo: number;
  /** Ranges of batch numbers (first, last) that never arrived. */
  missing: ReadonlyArray<readonly [number, number]>;
}

/** A relayed frame for one peer of the receiving node. */
export interface RelayRecord {
  kind: 'relay';
  room: string;
  to: string;
  frame: string;
}

/** Any other message between nodes. */
export interface MessageRecord {
  kind: 'message';
  message: ClusterMessage;
}

/** One record of a batch. */
export type BatchRecord = RelayRecord | MessageRecord;

const MAGIC = 'SR1 ';

/** The record of a relayed frame. */
export function relayRecord(room: string, to: string, frame: string): string {
  return `r${room.length},${to.length},${frame.length}:${room}${to}${frame}`;
}

/** The record of any other message. */
export function messageRecord(message: ClusterMessage): string {
  const json = encodeClusterMessage(message);
  return `m${json.length}:${json}`;
}

/** True for the text of a relay record (the only records a failed batch reports to senders). */
export function isRelayRecord(record: string): boolean {
  return record.charCodeAt(0) === 114; // 'r'
}

/** A batch from its header and records. */
export function encodeBatch(header: BatchHeader, records: readonly string[]): string {
  const ack = header.ack === undefined ? '' : ` ${encodeAck(header.ack)}`;
  return `${MAGIC}${header.from} ${header.seq} ${header.deadline}${ack}\n${records.join('')}`;
}

/** Decode a batch; `null` for anything malformed (the caller logs it, never throws). */
export function decodeBatch(text: string): { header: BatchHeader; records: BatchRecord[] } | null {
  if (!text.startsWith(MAGIC)) return null;
  const eol = text.indexOf('\n');
  if (eol === -1) return null;
  const [from, seq, deadline, ack] = text.slice(MAGIC.length, eol).split(' ');
  const header: BatchHeader = { from: from ?? '', seq: Number(seq), deadline: Number(deadline) };
  if (!header.from || !Number.isInteger(header.seq) || !Number.isFinite(header.deadline)) return null;
  if (ack !== undefined) {
    const decoded = decodeAck(ack);
    if (!decoded) return null;
    header.ack = decoded;
  }
  const records = decodeRecords(text, eol + 1);
  return records && { header, records };
}

/** The sender and type of a relay record's frame (to tell the sender it was not delivered), or null. */
export function relaySender(record: string | RelayRecord): { peerId: string; type: string } | null {
  const relay = typeof record === 'string' ? decodeRecords(record, 0)?.[0] : record;
  if (relay?.kind !== 'relay') return null;
  // The relayed frame was written by an encoder: its type and a signal's sender come first.
  const frame = frameFromText(relay.frame);
  return frame.kind === 'signal' && frame.from !== '' ? { peerId: frame.from, type: frame.type } : null;
}

function encodeAck(ack: BatchAck): string {
  if (ack.missing.length === 0) return String(ack.upTo);
  return `${ack.upTo}/${ack.missing.map(([a, b]) => `${a}-${b}`).join(',')}`;
}

function decodeAck(text: string): BatchAck | null {
  const [upTo, ranges] = text.split('/');
  const ack = { upTo: Number(upTo), missing: [] as Array<[number, number]> };
  if (!Number.isInteger(ack.upTo)) return null;
  for (const range of ranges === undefined ? [] : ranges.split(',')) {
    const [a, b] = range.split('-').map(Number);
    if (!Number.isInteger(a) || !Number.isInteger(b)) return null;
    ack.missing.push([a as number, b as number]);
  }
  return ack;
}

function decodeRecords(text: string, from: number): BatchRecord[] | null {
  const records: BatchRecord[] = [];
  let at = from;
  while (at < text.length) {
    const colon = text.indexOf(':', at);
    if (colon === -1) return null;
    const kind = text[at];
    const lengths = text
      .slice(at + 1, colon)
      .split(',')
      .map(Number);
    if (!lengths.every((n) => Number.isInteger(n) && n >= 0)) return null;
    const body = colon + 1;
    const end = body + lengths.reduce((a, b) => a + b, 0);
    if (end > text.length) return null;
    if (kind === 'r' && lengths.length === 3) {
      const [roomLen, toLen] = lengths as [number, number, number];
      records.push({
        kind: 'relay',
        room: text.slice(body, body + roomLen),
        to: text.slice(body + roomLen, body + roomLen + toLen),
        frame: text.slice(body + roomLen + toLen, end),
      });
    } else if (kind === 'm' && lengths.length === 1) {
      const message = decodeClusterMessage(text.slice(body, end));
      if (!message) return null;
      records.push({ kind: 'message', message });
    } else return null;
    at = end;
  }
  return records;
}
