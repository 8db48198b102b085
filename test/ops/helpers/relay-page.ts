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
window.relayRun = async (name, room) => {
  const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/ws';
  const client = new SignalingClient({ url, reconnect: false });
  const mesh = new PeerMesh(client, {
    dataChannels: [{ label: 'chat' }],
    rtcConfiguration: { iceTransportPolicy: 'relay' },
  });
  mesh.on('peer-added', ({ link }) => window.links.push(link));
  mesh.on('channel', ({ channel }) => {
    const hello = () => channel.send('hello from ' + name);
    if (channel.readyState === 'open') hello();
    else channel.addEventListener('open', hello);
    channel.addEventListener('message', (event) => window.received.push(event.data));
  });
  await client.connect();
  const me = await client.identify(name);
  await client.join(room);
  return me.iceServers ?? null;
};
// The candidate types of the pair the connection selected.
window.selectedPair = async () => {
  const stats = await window.links[0].pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  const remote = stats.get(pair.remoteCandidateId);
  return { local: local.candidateType, remote: remote.candidateType, relayProtocol: local.relayProtocol ?? null };
};
</script>
`;

/** Build sdk.js and the relay page into a fresh directory for `--static-dir`; returns it. */
export async function buildRelayPage(): Promise<string> {
  const dir = await buildDemo(mkdtempSync(join(tmpdir(), 'signalroom-relay-page-')));
  writeFileSync(join(dir, 'relay.html'), PAGE);
  return dir;
}
