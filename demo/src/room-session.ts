/** One stay in a room: the signaling client, the peer mesh, and the chat, files and media over it. */
import { PeerMesh, SignalingClient, type ConnectionState } from '../../client/index.js';
import { ChatLog } from './chat-log.js';
import { byTestId } from './dom.js';
import { FileChannel } from './file-transfer.js';
import { MediaPanel } from './media.js';
import { PeerList } from './peer-list.js';

/** What the page around a session provides. */
export interface SessionHost {
  showState(state: ConnectionState): void;
  showError(message: string): void;
  /** The session ended on its own (the server gave up on us). */
  ended(): void;
}

interface PeerChannels {
  /** The peer's current id (it changes if the peer rejoins after a server restart). */
  id: string;
  username: string;
  chat: RTCDataChannel | null;
  files: FileChannel | null;
}

/** The signaling URL of the server that served this page. */
export function signalingUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** A joined room. */
export class RoomSession {
  readonly client = new SignalingClient({ url: signalingUrl() });
  // ICE servers (TURN credentials, when the server has TURN configured) arrive in AUTH_SUCCESS; the
  // mesh renews expiring ones from the server's /api/ice-servers (its default), with the session's
  // resume token as bearer, before they expire. No iceServersUrl: that would make the mesh ask the
  // endpoint on every join even when AUTH_SUCCESS had none, and without TURN it answers 404.
  readonly mesh = new PeerMesh(this.client, {
    dataChannels: [{ label: 'chat' }, { label: 'file' }],
  });
  private readonly peers = new Map<string, PeerChannels>();
  private readonly peerList = new PeerList();
  private readonly chat = new ChatLog();
  private readonly media: MediaPanel;
  private readonly detach: Array<() => void> = [];

  constructor(
    readonly username: string,
    readonly room: string,
    private readonly host: SessionHost,
  ) {
    this.media = new MediaPanel(this.mesh, username, (m) => host.showError(m));
    this.wire();
  }

  /** Connect, identify and join; rejects with the SignalroomError to show. */
  async start(): Promise<void> {
    await this.client.connect();
    const me = await this.client.identify(this.username);
    this.peerList.setSelf(me.username);
    await this.client.join(this.room);
  }

  /** Send a chat message to everyone whose channel is open. */
  sendChat(text: string): void {
    const payload = JSON.stringify({ kind: 'chat', text });
    let sent = 0;
    for (const peer of this.peers.values()) {
      if (peer.chat?.readyState === 'open') {
        peer.chat.send(payload);
        sent += 1;
      }
    }
    this.chat.message(this.client.identified?.username ?? this.username, text, true);
    if (sent === 0) this.chat.notice('Nobody is connected yet — share the link to invite someone.');
  }

  /** Send files to everyone connected. */
  sendFiles(files: readonly File[]): void {
    const targets = [...this.peers.values()].filter((p) => p.files !== null);
    if (targets.length === 0) {
      this.chat.notice('Nobody is connected yet to receive the file.');
      return;
    }
    for (const file of files) for (const peer of targets) peer.files?.send(file);
  }

  /** Leave for good. */
  close(): void {
    for (const off of this.detach) off();
    this.media.stop();
    this.mesh.close();
    this.client.close();
    this.peerList.clear();
    this.chat.clear();
  }

  private wire(): void {
    const { client, mesh } = this;
    this.detach.push(
      client.on('state', ({ state }) => {
        this.host.showState(state);
        if (state === 'closed') this.host.ended();
      }),
      client.on('members', ({ members }) => {
        if (members.length === 0)
          this.chat.notice(`You are the first one in “${this.room}”. Share the link to invite others.`);
        else this.chat.notice(`In the room: ${members.map((m) => m.username).join(', ')}`);
      }),
      client.on('peer-joined', ({ peer }) => this.chat.notice(`${peer.username} joined`)),
      client.on('peer-left', ({ peer }) => this.chat.notice(`${peer.username} left`)),
      client.on('reconnected', ({ outcome }) =>
        this.chat.notice(
          outcome === 'resumed' ? 'Reconnected.' : 'Reconnected to the server and rejoined the room.',
        ),
      ),
      client.on('error', (error) => {
        // Signals to a peer who just left are refused harmlessly; everything else is worth showing.
        if (error.code !== 'UNKNOWN_PEER') this.host.showError(error.message);
      }),
      mesh.on('peer-added', ({ peer }) => {
        this.peers.set(peer.id, { id: peer.id, username: peer.username, chat: null, files: null });
        this.peerList.add(peer.id, peer.username);
      }),
      mesh.on('peer-state', ({ peer, state }) => this.peerList.setState(peer.id, state)),
      mesh.on('peer-rekeyed', ({ peer, previousId }) => {
        const entry = this.peers.get(previousId);
        if (!entry) return;
        this.peers.delete(previousId);
        entry.id = peer.id;
        this.peers.set(peer.id, entry);
        this.peerList.rekey(previousId, peer.id);
      }),
      mesh.on('peer-removed', ({ peer }) => {
        this.peers.delete(peer.id);
        this.peerList.remove(peer.id);
      }),
      mesh.on('channel', ({ peer, channel }) => this.onChannel(peer.id, channel)),
    );
  }

  private onChannel(peerId: string, channel: RTCDataChannel): void {
    const peer = this.peers.get(peerId);
    if (!peer) return;
    if (channel.label === 'file') {
      const attach = () => {
        peer.files = new FileChannel(channel, peer.username, (card) => this.chat.append(card.element));
      };
      if (channel.readyState === 'open') attach();
      else channel.addEventListener('open', attach, { once: true });
      channel.addEventListener('close', () => (peer.files = null));
      return;
    }
    if (channel.label !== 'chat') return;
    channel.addEventListener('open', () => {
      peer.chat = channel;
      this.peerList.setChannel(peer.id, true);
    });
    channel.addEventListener('close', () => {
      if (peer.chat === channel) peer.chat = null;
      this.peerList.setChannel(peer.id, false);
    });
    channel.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (typeof event.data !== 'string') return;
      try {
        const message = JSON.parse(event.data) as { kind?: unknown; text?: unknown };
        if (message.kind === 'chat' && typeof message.text === 'string') {
          this.chat.message(peer.username, message.text.slice(0, 4000), false);
        }
      } catch {
        // Not ours: ignore.
      }
    });
    if (channel.readyState === 'open') {
      peer.chat = channel;
      this.peerList.setChannel(peerId, true);
    }
  }
}

/** The send box and file picker. */
export function bindComposer(session: () => RoomSession | null): void {
  const form = byTestId<HTMLFormElement>('chat-form');
  const input = byTestId<HTMLInputElement>('chat-input');
  const files = byTestId<HTMLInputElement>('file-input');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    const current = session();
    if (!text || !current) return;
    current.sendChat(text);
    input.value = '';
  });
  files.addEventListener('change', () => {
    const current = session();
    if (current && files.files) current.sendFiles([...files.files]);
    files.value = '';
  });
}
