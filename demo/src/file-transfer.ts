/**
 * File transfer over a reliable, ordered data channel: a JSON header, binary chunks, a JSON trailer,
 * then an acknowledgement from the receiver. The sender keeps at most HIGH_WATER bytes queued in
 * the channel and resumes on `bufferedamountlow`, so a file of any size streams without filling memory.
 */
import { TransferCard } from './transfer-card.js';

const CHUNK_BYTES = 16 * 1024; // the size every WebRTC implementation accepts in one message
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
// Received chunks are folded into a Blob now and then so the browser may page them out to disk.
const FOLD_BYTES = 8 * 1024 * 1024;

type Control =
  | { kind: 'start'; id: string; name: string; size: number; mime: string }
  | { kind: 'end'; id: string }
  | { kind: 'ack'; id: string; bytes: number };

/** Where transfer cards go. */
export type ShowCard = (card: TransferCard) => void;

/** Both ends of file transfer on one peer's `file` channel. */
export class FileChannel {
  private sending: Promise<void> = Promise.resolve();
  private readonly awaitingAck = new Map<string, TransferCard>();
  private incoming: {
    id: string;
    name: string;
    size: number;
    mime: string;
    parts: BlobPart[];
    pending: ArrayBuffer[];
    pendingBytes: number;
    received: number;
    card: TransferCard;
  } | null = null;

  constructor(
    private readonly channel: RTCDataChannel,
    private readonly peerName: string,
    private readonly show: ShowCard,
  ) {
    channel.binaryType = 'arraybuffer';
    channel.bufferedAmountLowThreshold = LOW_WATER;
    channel.addEventListener('message', (event: MessageEvent<unknown>) => this.onMessage(event.data));
    channel.addEventListener('close', () => this.onClose());
  }

  /** Queue `file` for this peer; transfers to one peer go one after another. */
  send(file: File): void {
    const card = new TransferCard('send', file.name, file.size, this.peerName);
    this.show(card);
    this.sending = this.sending
      .then(() => this.transmit(file, card))
      .catch((err: unknown) => card.fail(`Failed: ${String(err)}`));
  }

  private async transmit(file: File, card: TransferCard): Promise<void> {
    const id = randomId();
    this.awaitingAck.set(id, card);
    this.sendControl({ kind: 'start', id, name: file.name, size: file.size, mime: file.type });
    let offset = 0;
    while (offset < file.size) {
      if (this.channel.bufferedAmount > HIGH_WATER) await this.drained();
      const chunk = await file.slice(offset, offset + CHUNK_BYTES).arrayBuffer();
      this.channel.send(chunk);
      offset += chunk.byteLength;
      card.update(offset - this.channel.bufferedAmount, 'Sending…');
    }
    this.sendControl({ kind: 'end', id });
    card.update(file.size, 'Waiting for the receiver…');
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onLow = () => {
        this.channel.removeEventListener('close', onClose);
        resolve();
      };
      const onClose = () => {
        this.channel.removeEventListener('bufferedamountlow', onLow);
        reject(new Error('the connection closed'));
      };
      this.channel.addEventListener('bufferedamountlow', onLow, { once: true });
      this.channel.addEventListener('close', onClose, { once: true });
    });
  }

  private onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      this.onChunk(data);
      return;
    }
    if (typeof data !== 'string') return;
    let control: Control;
    try {
      control = JSON.parse(data) as Control;
    } catch {
      return;
    }
    if (control.kind === 'start') this.onStart(control);
    else if (control.kind === 'end') this.onEnd(control.id);
    else if (control.kind === 'ack') {
      this.awaitingAck.get(control.id)?.finish('Delivered');
      this.awaitingAck.delete(control.id);
    }
  }

  private onStart(start: Extract<Control, { kind: 'start' }>): void {
    if (!(Number.isSafeInteger(start.size) && start.size >= 0)) return;
    const name = typeof start.name === 'string' && start.name !== '' ? start.name : 'file';
    const card = new TransferCard('receive', name, start.size, this.peerName);
    this.show(card);
    this.incoming = {
      id: start.id,
      name,
      size: start.size,
      mime: typeof start.mime === 'string' ? start.mime : '',
      parts: [],
      pending: [],
      pendingBytes: 0,
      received: 0,
      card,
    };
  }

  private onChunk(chunk: ArrayBuffer): void {
    const transfer = this.incoming;
    if (!transfer) return;
    transfer.pending.push(chunk);
    transfer.pendingBytes += chunk.byteLength;
    transfer.received += chunk.byteLength;
    if (transfer.pendingBytes >= FOLD_BYTES) this.fold();
    transfer.card.update(transfer.received, 'Receiving…');
  }

  private fold(): void {
    const transfer = this.incoming;
    if (!transfer) return;
    transfer.parts.push(new Blob(transfer.pending));
    transfer.pending = [];
    transfer.pendingBytes = 0;
  }

  private onEnd(id: string): void {
    const transfer = this.incoming;
    if (!transfer || transfer.id !== id) return;
    this.incoming = null;
    if (transfer.received !== transfer.size) {
      transfer.card.fail(`Incomplete: got ${transfer.received} of ${transfer.size} bytes`);
      return;
    }
    const blob = new Blob([...transfer.parts, ...transfer.pending], { type: transfer.mime });
    transfer.card.finish('Received');
    transfer.card.offerDownload(URL.createObjectURL(blob), transfer.name);
    this.sendControl({ kind: 'ack', id, bytes: transfer.received });
  }

  private onClose(): void {
    this.incoming?.card.fail('Interrupted: the peer went away');
    this.incoming = null;
    for (const card of this.awaitingAck.values()) card.fail('Interrupted: the peer went away');
    this.awaitingAck.clear();
  }

  private sendControl(control: Control): void {
    if (this.channel.readyState === 'open') this.channel.send(JSON.stringify(control));
  }
}

// crypto.randomUUID needs a secure context; a LAN address over plain http is not one.
function randomId(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
