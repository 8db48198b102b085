/**
 * Baseline: a naive server of the signalroom protocol. It parses every frame, trusts it (no
 * validation), stamps `fromPeerId` and re-stringifies the whole object for the receiver; room
 * events are stringified once per receiver. Functionally what a first version would be.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveChild } from '../servers/child.js';

interface Client {
  ws: WebSocket;
  id: string;
  username: string;
  room: string | null;
}

serveChild(async () => {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false, maxPayload: 65536 });
  const byId = new Map<string, Client>();
  const usernames = new Set<string>();
  const rooms = new Map<string, Set<Client>>();

  const send = (c: Client, msg: object) => c.ws.send(JSON.stringify(msg));
  const info = (c: Client) => ({ id: c.id, username: c.username });
  const leave = (c: Client) => {
    if (c.room === null) return;
    const room = rooms.get(c.room);
    room?.delete(c);
    for (const other of room ?? []) send(other, { type: 'PEER_LEFT_ROOM', roomId: c.room, peer: info(c) });
    if (room?.size === 0) rooms.delete(c.room);
    c.room = null;
  };

  wss.on('connection', (ws) => {
    const me: Client = { ws, id: '', username: '', room: null };
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        send(me, { type: 'ERROR', code: 'BAD_JSON', message: 'The frame is not valid JSON' });
        return;
      }
      switch (msg.type) {
        case 'IDENTIFY': {
          const username = String(msg.username);
          if (usernames.has(username)) {
            send(me, {
              type: 'AUTH_ERROR',
              status: 'error',
              code: 'USERNAME_TAKEN',
              message: 'Username already taken',
            });
            return;
          }
          usernames.add(username);
          me.id = randomUUID();
          me.username = username;
          byId.set(me.id, me);
          send(me, { type: 'AUTH_SUCCESS', status: 'success', username, peerId: me.id });
          return;
        }
        case 'JOIN_ROOM': {
          const roomId = String(msg.roomId);
          leave(me);
          let room = rooms.get(roomId);
          if (!room) rooms.set(roomId, (room = new Set()));
          send(me, { type: 'ROOM_MEMBERS', roomId, members: [...room].map(info) });
          for (const other of room) send(other, { type: 'NEW_PEER_IN_ROOM', roomId, peer: info(me) });
          room.add(me);
          me.room = roomId;
          return;
        }
        case 'LEAVE_ROOM':
          leave(me);
          return;
        case 'PING':
          send(me, { type: 'PONG', id: msg.id });
          return;
        default: {
          const to = byId.get(String(msg.toPeerId));
          if (!to || to.room === null || to.room !== me.room) {
            send(me, { type: 'ERROR', code: 'UNKNOWN_PEER', message: 'No such peer in your room' });
            return;
          }
          msg.fromPeerId = me.id;
          send(to, msg);
        }
      }
    });
    ws.on('close', () => {
      leave(me);
      byId.delete(me.id);
      usernames.delete(me.username);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    port: (http.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const ws of wss.clients) ws.terminate();
        http.close(() => r());
      }),
  };
});
