// A WebRTC peer in Node: joins a room and answers every data channel message with "echo: …".
// The SDK brings signaling; WebRTC comes from werift (pure TypeScript, `npm install werift`).
// Run: SIGNALROOM_URL=ws://127.0.0.1:8080/ws node examples/node-peers/echo-bot.mjs
import { RTCPeerConnection } from 'werift';
import { PeerMesh, SignalingClient } from 'signalroom/client';

// Node 22+ has a global WebSocket; on older lines the `ws` package (a signalroom dependency) fits.
const WebSocket = globalThis.WebSocket ?? (await import('ws')).default;

const client = new SignalingClient({
  url: process.env.SIGNALROOM_URL ?? 'ws://127.0.0.1:8080/ws',
  WebSocket,
});
const mesh = new PeerMesh(client, { RTCPeerConnection });
mesh.on('channel', ({ peer, channel }) => {
  channel.onmessage = (event) => channel.send(`echo: ${event.data}`);
  console.log(`channel '${channel.label}' from ${peer.username}`);
});

await client.connect();
await client.identify(process.env.NAME ?? 'echo-bot');
await client.join(process.env.ROOM ?? 'lobby');
console.log(`${client.identified.username} is in room ${client.roomId}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    mesh.close();
    client.close();
    // werift keeps UDP sockets of closed connections open a little longer; nothing is left to do.
    process.exit(0);
  });
}
