// A room with chat and cameras, on the React bindings of signalroom.
import { useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import {
  SignalroomProvider,
  useDataChannel,
  useLocalMedia,
  usePeers,
  useRemoteTracks,
  useSignaling,
  useSignalroom,
} from 'signalroom/react';

function JoinForm() {
  const { client } = useSignalroom();
  const [error, setError] = useState(null);
  const join = async (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      if (client.state === 'idle') await client.connect();
      // A refused name leaves the client connected: submitting again with another just works.
      await client.identify(String(form.get('name')));
      await client.join(String(form.get('room')));
      setError(null);
    } catch (err) {
      setError(err.code ?? err.message);
    }
  };
  return (
    <form onSubmit={join}>
      <input name="name" placeholder="your name" required data-testid="name" />
      <input name="room" defaultValue="lobby" required data-testid="room" />
      <button data-testid="join">Join</button>
      {error && <p data-testid="error">refused: {error}</p>}
    </form>
  );
}

function PeerList() {
  const peers = usePeers();
  return (
    <ul data-testid="peers">
      {peers.map((peer) => (
        <li
          key={peer.id}
          data-username={peer.username}
          data-state={peer.state}
          data-chat={peer.channels.get('chat')?.readyState ?? 'none'}
        >
          {peer.username}: {peer.state}
        </li>
      ))}
    </ul>
  );
}

function Chat() {
  const [lines, setLines] = useState([]);
  const chat = useDataChannel('chat', ({ peer, data }) =>
    setLines((l) => [...l, `${peer.username}: ${data}`]),
  );
  const send = (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.message;
    const text = input.value;
    chat.send(text);
    setLines((l) => [...l, `me: ${text}`]);
    input.value = '';
  };
  return (
    <section>
      <form onSubmit={send}>
        <input name="message" placeholder={`message ${chat.open.length} peers`} data-testid="message" />
        <button data-testid="send">Send</button>
      </form>
      <ol data-testid="log">
        {lines.map((line, i) => (
          <li key={i}>{line}</li>
        ))}
      </ol>
    </section>
  );
}

function Video({ track, username }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current.srcObject = new MediaStream([track]);
  }, [track]);
  return <video ref={ref} autoPlay muted playsInline data-testid="remote-video" data-username={username} />;
}

function Cameras() {
  const [stream, setStream] = useState(null);
  useLocalMedia(stream); // sent to everyone in the room while set
  const remote = useRemoteTracks().filter(({ track }) => track.kind === 'video');
  const toggle = async () => {
    if (stream) {
      stream.getTracks().forEach((track) => track.stop());
      setStream(null);
    } else {
      setStream(await navigator.mediaDevices.getUserMedia({ video: true }));
    }
  };
  return (
    <section>
      <button onClick={toggle} data-testid="camera">
        {stream ? 'Stop camera' : 'Start camera'}
      </button>
      {remote.map(({ peer, track }) => (
        <Video key={track.id} track={track} username={peer.username} />
      ))}
    </section>
  );
}

function Room() {
  const { state, identity, roomId } = useSignaling();
  return (
    <main>
      <p data-testid="status">
        {state}
        {identity && ` as ${identity.username}`}
        {roomId && ` in ${roomId}`}
      </p>
      {roomId ? (
        <>
          <PeerList />
          <Chat />
          <Cameras />
        </>
      ) : (
        <JoinForm />
      )}
    </main>
  );
}

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
createRoot(document.getElementById('root')).render(
  <SignalroomProvider url={url} meshOptions={{ dataChannels: [{ label: 'chat' }] }}>
    <Room />
  </SignalroomProvider>,
);
