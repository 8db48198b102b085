/**
 * A link's own data channel, for the mesh rather than the application: after a rejoin (a server
 * restart gives every peer a new id) each side says over it which peer id it has now. It is
 * negotiated on both sides with a fixed id (no in-band announcement, so no `datachannel` event)
 * and opened with the link's first negotiation, so it costs no negotiation of its own.
 *
 * What arrives on it was sent by the endpoint at the other end of the connection's DTLS session:
 * the peer the link was negotiated with, whatever the signaling server or anybody's username
 * says. That is what lets a kept connection be handed to a new peer id only when its own remote
 * confirms the id, never to whoever claims the same username.
 */
import type { RTCDataChannel, RTCPeerConnection } from './webrtc-types.js';

/** The channel's label and stream id, the same on every link and both sides. */
export const CONTROL_CHANNEL = { label: 'signalroom-control', id: 1000 } as const;

/** What a side says over the channel. */
interface PeerIdMessage {
  type: 'peer-id';
  /** The sender's peer id now. */
  peerId: string;
  /** True when the sender wants the other side's peer id back (it re-identified). */
  ask: boolean;
}

/** Peer ids are UUIDs; anything longer is not one. */
const MAX_PEER_ID_LENGTH = 64;

/** Called when the remote says which peer id it has (`ask`: it wants ours back). */
export type PeerIdHandler = (peerId: string, ask: boolean) => void;

/** The control channel of one link. */
export class LinkControl {
  private channel: RTCDataChannel | null = null;
  /** The last message not yet sent (the channel was not open). */
  private outgoing: string | null = null;
  /** The peer id the remote last said it has, or `null` before it said any. */
  remotePeerId: string | null = null;

  constructor(
    private readonly pc: RTCPeerConnection,
    private readonly onPeerId: PeerIdHandler,
  ) {}

  /** True when the channel is open: the remote can confirm its peer id over it. */
  get open(): boolean {
    return this.channel?.readyState === 'open';
  }

  /** Create the channel (once), before the connection's first offer or answer is made. */
  create(): void {
    if (this.channel !== null || this.pc.signalingState === 'closed') return;
    const channel = this.pc.createDataChannel(CONTROL_CHANNEL.label, {
      negotiated: true,
      id: CONTROL_CHANNEL.id,
    });
    channel.onopen = () => this.flush();
    channel.onmessage = (event) => this.receive(event.data);
    this.channel = channel;
  }

  /** Tell the remote our peer id (sent as soon as the channel is open; a later call replaces it). */
  sendPeerId(peerId: string, ask: boolean): void {
    const message: PeerIdMessage = { type: 'peer-id', peerId, ask };
    this.outgoing = JSON.stringify(message);
    this.flush();
  }

  private flush(): void {
    const channel = this.channel;
    if (this.outgoing === null || channel?.readyState !== 'open') return;
    const outgoing = this.outgoing;
    this.outgoing = null;
    try {
      channel.send(outgoing);
    } catch {
      // Closing meanwhile: the remote is gone, and with it any use of the message.
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string' || data.length > 1024) return;
    let message: Partial<PeerIdMessage>;
    try {
      message = JSON.parse(data) as Partial<PeerIdMessage>;
    } catch {
      return;
    }
    const { type, peerId, ask } = message;
    if (type !== 'peer-id' || typeof peerId !== 'string' || peerId.length > MAX_PEER_ID_LENGTH) return;
    this.remotePeerId = peerId;
    this.onPeerId(peerId, ask === true);
  }
}
