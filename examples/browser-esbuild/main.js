// A chat between everyone in a room, over WebRTC data channels, with the SDK bundled by esbuild.
import { PeerMesh, SignalingClient } from 'signalroom/client';

const $ = (id) => document.getElementById(id);
const client = new SignalingClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
});
// One RTCPeerConnection per other peer, each with a 'chat' data channel.
const mesh = new PeerMesh(client, { dataChannels: [{ label: 'chat' }] });
const peers = new Map(); // peer id → { username, state, channel }

function render() {
  $('peers').replaceChildren(
    ...[...peers.values()].map(({ username, state, channel }) => {
      const item = document.createElement('li');
      item.textContent = `${username}: ${state}`;
      item.dataset.username = username;
      item.dataset.channel = channel?.readyState ?? 'none';
      return item;
    }),
  );
}

function log(text) {
  const line = document.createElement('li');
  line.textContent = text;
  $('log').append(line);
}

client.on('state', ({ state }) => ($('status').textContent = state));
mesh.on('peer-added', ({ peer }) => {
  peers.set(peer.id, { username: peer.username, state: 'new' });
  render();
});
mesh.on('peer-state', ({ peer, state }) => {
  const entry = peers.get(peer.id);
  if (entry) entry.state = state;
  render();
});
mesh.on('peer-removed', ({ peer }) => {
  peers.delete(peer.id);
  render();
});
mesh.on('channel', ({ peer, channel }) => {
  const entry = peers.get(peer.id);
  if (entry) entry.channel = channel;
  channel.onopen = render;
  channel.onclose = render;
  channel.onmessage = (event) => log(`${peer.username}: ${event.data}`);
  render();
});

$('join').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    if (client.state === 'idle') await client.connect();
    // A refused name (USERNAME_TAKEN) leaves the client connected: submit again with another.
    await client.identify($('name').value);
    await client.join($('room').value);
    $('status').textContent = client.state;
  } catch (err) {
    $('status').textContent = `refused: ${err.code ?? err.message}`;
  }
});

$('chat').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = $('message').value;
  for (const { channel } of peers.values()) if (channel?.readyState === 'open') channel.send(text);
  log(`me: ${text}`);
  $('message').value = '';
});
