/**
 * Client adapters for the servers under test: how to connect, how to become a ready peer (in a
 * room where the server has rooms) and how the relayed frames look in each server's protocol.
 * signalroom and the naive server speak the signalroom protocol; the raw forwarder pairs sockets
 * by URL and forwards bytes untouched (it gets signalroom-shaped frames of the same size);
 * PeerJS server speaks its own protocol (ids chosen by the client, `dst`/`payload`).
 */
import { candidateLine, sdpText } from './payloads.js';

/** The protocol family a server speaks. */
export type ProtocolName = 'signalroom' | 'raw' | 'peerjs';

/** A frame split around its timestamp: `head + ts + tail`. */
export interface FrameTemplate {
  head: string;
  tail: string;
}

/** Templates for one sender → receiver direction. */
export interface DirectionTemplates {
  candidate: FrameTemplate;
  sdp: FrameTemplate;
}

/** What the load generator needs to know about one protocol. */
export interface ClientProtocol {
  /** The URL a client with this key (unique) in this pair/room opens. */
  url(port: number, key: string, room: string): string;
  /** True when the client must IDENTIFY and JOIN_ROOM after opening (signalroom protocol; sent at once). */
  identifies: boolean;
  /** True when the server has to tell the client it is registered before it may send (PeerJS `OPEN`). */
  waitsForOpen: boolean;
  /** Frame templates from `fromId` to `toId`. */
  templates(fromId: string, toId: string): DirectionTemplates;
}

// Survives JSON.stringify unescaped, and appears nowhere else in a frame.
const MARK = '@@TS@@';

function split(frame: string): FrameTemplate {
  const at = frame.indexOf(MARK);
  return { head: frame.slice(0, at), tail: frame.slice(at + MARK.length) };
}

function signalroomTemplates(_fromId: string, toId: string): DirectionTemplates {
  return {
    candidate: split(
      JSON.stringify({
        type: 'ICE_CANDIDATE',
        toPeerId: toId,
        iceCandidate: {
          candidate: candidateLine(MARK),
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: 'sXyZ',
        },
      }),
    ),
    sdp: split(
      JSON.stringify({ type: 'SDP_OFFER', toPeerId: toId, sdp: { type: 'offer', sdp: sdpText(MARK) } }),
    ),
  };
}

function peerjsTemplates(_fromId: string, toId: string): DirectionTemplates {
  return {
    candidate: split(
      JSON.stringify({
        type: 'CANDIDATE',
        dst: toId,
        payload: {
          candidate: {
            candidate: candidateLine(MARK),
            sdpMid: '0',
            sdpMLineIndex: 0,
            usernameFragment: 'sXyZ',
          },
          type: 'media',
          connectionId: 'mc_bench',
        },
      }),
    ),
    sdp: split(
      JSON.stringify({
        type: 'OFFER',
        dst: toId,
        payload: { sdp: { type: 'offer', sdp: sdpText(MARK) }, type: 'media', connectionId: 'mc_bench' },
      }),
    ),
  };
}

/** The adapters by protocol name. */
export const PROTOCOLS: Record<ProtocolName, ClientProtocol> = {
  signalroom: {
    url: (port) => `ws://127.0.0.1:${port}/ws`,
    identifies: true,
    waitsForOpen: false,
    templates: signalroomTemplates,
  },
  raw: {
    url: (port, _key, room) => `ws://127.0.0.1:${port}/ws?pair=${encodeURIComponent(room)}`,
    identifies: false,
    waitsForOpen: false,
    templates: signalroomTemplates,
  },
  peerjs: {
    url: (port, key) => `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${encodeURIComponent(key)}&token=bench`,
    identifies: false,
    waitsForOpen: true,
    templates: peerjsTemplates,
  },
};
