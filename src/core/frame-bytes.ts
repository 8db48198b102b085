/**
 * The UTF-8 bytes of an outgoing frame, encoded once for every place that needs them: the socket
 * write and the replay log of each receiver. A fan-out (a join announced to a whole room) delivers
 * one frame string to every member in turn, so remembering the last frame encodes it once, not
 * once per receiver.
 */
let lastFrame = '';
let lastBytes: Buffer = Buffer.alloc(0);

/** The bytes of `frame` (the same Buffer for the same frame delivered again right after). Never mutate it. */
export function frameBytes(frame: string): Buffer {
  if (frame !== lastFrame) {
    lastBytes = Buffer.from(frame, 'utf8');
    lastFrame = frame;
  }
  return lastBytes;
}

/**
 * True for relayed signals (SDP_OFFER, SDP_ANSWER, ICE_CANDIDATE): nearly every frame of a busy
 * server, each short-lived. Every frame starts with `{"type":"` (the encoders write `type` first).
 */
export function isSignal(frame: string): boolean {
  return frame.startsWith('ICE_CANDIDATE', 9) || frame.startsWith('SDP_', 9);
}
