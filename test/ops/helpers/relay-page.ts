/**
 * A minimal page for the TURN relay test, served by the signalroom server itself next to the SDK
 * bundle (sdk.js from scripts/build-demo.mjs): it identifies, joins, and lets the SDK's PeerMesh
 * connect with `iceTransportPolicy: "relay"`, so only coturn's relay candidates can carry the call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemo } from '../../../scripts/build-demo.mjs';

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>relay test</title>
<script type="module">
import { SignalingClient, PeerMesh } from './sdk.js';
window.received = [];
window.links = [];
window.channels = [];
// Every step with its wall-clock time (Date.now(), the same clock as the test's), for failure messages.
window.events = [];
const step = (what) => window.events.push([Date.now(), what]);
step('page script');
let gotFirst;
window.firstMessage = new Promise((resolve) => (gotFirst = resolve));
window.relayRun = async (name, room) => {
  const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
  const client = new SignalingClient({ url, reconnect: false });
  const mesh = new PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    rtcConfiguration: { iceTransportPolicy: 'relay' },
  });
  client.on('signal', (m) => { if (m.type !== 'ICE_CANDIDATE') step('got ' + m.type); });
  mesh.on('peer-added', ({ link }) => {
    step('peer-added');
    window.links.push(link);
    const pc = link.pc;
    pc.addEventListener('signalingstatechange', () => step('signaling ' + pc.signalingState));
    pc.addEventListener('iceconnectionstatechange', () => step('ice ' + pc.iceConnectionState));
    pc.addEventListener('connectionstatechange', () => step('connection ' + pc.connectionState));
  });
  mesh.on('channel', ({ channel }) => {
    step('channel ' + channel.label + ' (' + channel.readyState + ')');
    window.channels.push(channel);
    const hello = () => {
      step('channel open, send hello');
      channel.send('hello from ' + name);
    };
    if (channel.readyState === 'open') hello();
    else channel.addEventListener('open', hello);
    channel.addEventListener('message', (event) => {
      if (window.received.length === 0) step('first message');
      window.received.push(event.data);
      gotFirst(event.data);
    });
    channel.addEventListener('close', () => step('channel closed'));
  });
  await client.connect();
  step('signaling connected');
  const me = await client.identify(name);
  step('identified');
  await client.join(room);
  step('joined');
  return me.iceServers ?? null;
};
// The candidate types of the pair the connection selected, and its transport.
async function selected(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  const channels = [];
  stats.forEach((s) => {
    if (s.type === 'data-channel')
      channels.push({ label: s.label, state: s.state, messagesSent: s.messagesSent, messagesReceived: s.messagesReceived });
  });
  if (!pair) return { pair: null, channelStats: channels };
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return {
    pair: {
      local: local.candidateType,
      remote: remote.candidateType,
      protocol: local.protocol,
      relayProtocol: local.relayProtocol ?? null,
      state: pair.state,
      bytesSent: pair.bytesSent,
      bytesReceived: pair.bytesReceived,
    },
    channelStats: channels,
  };
}
window.selectedPair = async () => {
  const { pair } = await selected(window.links[0].pc);
  return pair && { local: pair.local, remote: pair.remote, relayProtocol: pair.relayProtocol };
};
// Where this page stands: what the test prints when a step does not happen in time.
window.diagnose = async () => {
  const link = window.links[0];
  const out = {
    events: window.events,
    received: window.received,
    channels: window.channels.map((c) => ({
      label: c.label,
      id: c.id,
      readyState: c.readyState,
      bufferedAmount: c.bufferedAmount,
    })),
  };
  if (!link) return out;
  const pc = link.pc;
  out.states = {
    connection: pc.connectionState,
    ice: pc.iceConnectionState,
    gathering: pc.iceGatheringState,
    signaling: pc.signalingState,
    sctp: pc.sctp ? pc.sctp.state : null,
  };
  Object.assign(out, await selected(pc));
  return out;
};
</script>
`;

/** Build sdk.js and the relay page into a fresh directory for `--static-dir`; returns it. */
export async function buildRelayPage(): Promise<string> {
  const dir = await buildDemo(mkdtempSync(join(tmpdir(), 'signalroom-relay-page-')));
  writeFileSync(join(dir, 'relay.html'), PAGE);
  return dir;
}
