/** Field bounds of protocol v1 (PROTOCOL.md "Rules"); the schemas and the core both read them from here. */
export const LIMITS = {
  /** Username length in Unicode code points, after trimming and NFC. */
  usernameMaxChars: 64,
  /** Raw username bound in UTF-16 units, checked by the schema before any normalisation work. */
  usernameMaxUnits: 256,
  /** Room id length in Unicode code points. */
  roomIdMaxChars: 128,
  /** Raw room id bound in UTF-16 units (a code point is at most two). */
  roomIdMaxUnits: 256,
  /** Peer ids are UUIDs; anything longer cannot name a peer. */
  peerIdMaxUnits: 64,
  /** An SDP body; the 64 KiB frame limit bounds it further. */
  sdpMaxUnits: 65536,
  /** One ICE candidate line. */
  candidateMaxUnits: 2048,
  /** `sdpMid` and `usernameFragment`. */
  shortFieldMaxUnits: 256,
  /** Auth and resume tokens. */
  tokenMaxUnits: 8192,
  /** The `id` of a PING. */
  pingIdMaxUnits: 64,
} as const;
