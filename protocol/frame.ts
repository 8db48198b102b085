/**
 * An outgoing frame as the server handles it: its text, its kind, and its UTF-8 bytes. The encoders
 * (encode.ts) make one per message; a fan-out hands the same frame to every receiver, so its bytes
 * are encoded once, on first use, whoever uses them first (the socket write or a replay log).
 *
 * Everything that treats frames differently reads the kind: write batching (room events may wait
 * for the ready I/O), metrics (frames out by type), the replay log (signals copied in as bytes) and
 * the queue of a held peer (a dropped signal's sender is told, a dropped room event means a fresh
 * member list). Nothing parses or sniffs the text, except {@link frameFromText}, for frames that
 * arrive as text from another node.
 */

/** What a frame is to the server. */
export type FrameKind =
  /** SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE relayed from a peer ({@link OutFrame.from} is its id). */
  | 'signal'
  /** NEW_PEER_IN_ROOM, PEER_LEFT_ROOM: a membership change announced to a room. */
  | 'room-event'
  /** ROOM_MEMBERS: the members of a room, for its joiner. */
  | 'room-members'
  /** Everything else: answers to the client itself (AUTH_SUCCESS, AUTH_ERROR, ERROR, PONG). */
  | 'reply';

/** The kind of a frame of type `type`. */
function kindOf(type: string): FrameKind {
  switch (type) {
    case 'SDP_OFFER':
    case 'SDP_ANSWER':
    case 'ICE_CANDIDATE':
      return 'signal';
    case 'NEW_PEER_IN_ROOM':
    case 'PEER_LEFT_ROOM':
      return 'room-event';
    case 'ROOM_MEMBERS':
      return 'room-members';
    default:
      return 'reply';
  }
}

/** Node's Buffer where there is one: small ones share a pool, and ws writes them without a copy. */
const NodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'utf8'): Uint8Array } }).Buffer;

/** UTF-8 encoding, with Node's Buffer or else the platform's TextEncoder. */
const encodeUtf8: (text: string) => Uint8Array = NodeBuffer
  ? (text) => NodeBuffer.from(text, 'utf8')
  : withTextEncoder();

/**
 * The last text encoded and its bytes. Frames with the same text as the one before share its
 * bytes: a flood of one message (the same candidate sent again and again to a reader that stopped
 * reading) then costs no memory per frame. Only an optimisation: bytes are never mutated, so equal
 * texts may share them in any order.
 */
let lastText = '';
let lastBytes: Uint8Array = encodeUtf8('');

/** The UTF-8 bytes of `text`. */
function utf8(text: string): Uint8Array {
  if (text !== lastText) {
    lastBytes = encodeUtf8(text);
    lastText = text;
  }
  return lastBytes;
}

function withTextEncoder(): (text: string) => Uint8Array {
  const encoder = new TextEncoder();
  return (text) => encoder.encode(text);
}

/** One outgoing frame. Immutable but for its bytes, which are computed once, on first use. */
export class OutFrame {
  /** What the frame is, from its type. */
  readonly kind: FrameKind;
  private encoded: Uint8Array | null = null;

  constructor(
    /** The message type (`SDP_OFFER`, `ERROR`, …). */
    readonly type: string,
    /** The JSON text, as sent. */
    readonly text: string,
    /** For a relayed signal, the sender's peer id; '' for any other frame. */
    readonly from = '',
  ) {
    this.kind = kindOf(type);
  }

  /** The UTF-8 bytes of {@link text} (a Node Buffer on Node), shared by every receiver. Never mutate them. */
  get bytes(): Uint8Array {
    return (this.encoded ??= utf8(this.text));
  }
}

/** True for a relayed signal: nearly every frame of a busy server. */
export function isSignal(frame: OutFrame): boolean {
  return frame.kind === 'signal';
}

/** True for the announcements of membership changes (NEW_PEER_IN_ROOM, PEER_LEFT_ROOM). */
export function isRoomEvent(frame: OutFrame): boolean {
  return frame.kind === 'room-event';
}

/** True for a frame that tells its receiver who is in its room: a room event or ROOM_MEMBERS. */
export function tellsMembership(frame: OutFrame): boolean {
  return frame.kind === 'room-event' || frame.kind === 'room-members';
}

/** Every encoded frame starts with this: the encoders write `type` first. */
const TYPE_HEAD = '{"type":"';
/** What follows a signal's type: the encoder writes the sender's id second. */
const FROM_HEAD = '","fromPeerId":"';

/**
 * The frame whose text is `text`, as an encoder of this module wrote it, for frames that reach a
 * node as text (relayed from another node, handed over with a held peer, restored into a replay
 * log). Reads the type and a signal's sender from where the encoders put them, without parsing;
 * a text no encoder wrote is a `reply` of type ''.
 */
export function frameFromText(text: string): OutFrame {
  if (!text.startsWith(TYPE_HEAD)) return new OutFrame('', text);
  const end = text.indexOf('"', TYPE_HEAD.length);
  if (end === -1) return new OutFrame('', text);
  const type = text.slice(TYPE_HEAD.length, end);
  if (kindOf(type) !== 'signal' || !text.startsWith(FROM_HEAD, end)) return new OutFrame(type, text);
  const at = end + FROM_HEAD.length;
  const close = text.indexOf('"', at);
  return new OutFrame(type, text, close === -1 ? '' : text.slice(at, close));
}
