/** Camera and microphone (both off until asked for) and the grid of videos. */
import type { PeerMesh } from '../../client/index.js';
import { byTestId, h } from './dom.js';

/** Local capture and the video grid. */
export class MediaPanel {
  private readonly grid = byTestId('video-grid');
  private readonly cameraButton = byTestId<HTMLButtonElement>('camera-toggle');
  private readonly micButton = byTestId<HTMLButtonElement>('mic-toggle');
  private readonly localStream = new MediaStream();
  private readonly tiles = new Map<
    string,
    { tile: HTMLElement; video: HTMLVideoElement; stream: MediaStream }
  >();
  private camera: MediaStreamTrack | null = null;
  private mic: MediaStreamTrack | null = null;

  constructor(
    private readonly mesh: PeerMesh,
    private readonly selfName: string,
    private readonly onError: (message: string) => void,
  ) {
    this.cameraButton.onclick = () => void this.toggle('video');
    this.micButton.onclick = () => void this.toggle('audio');
    mesh.on('track', ({ peer, track, streams }) =>
      this.showRemote(peer.id, peer.username, track, streams[0]),
    );
    mesh.on('peer-removed', ({ peer }) => this.removeTile(peer.id));
  }

  /** Stop capture and clear the grid. */
  stop(): void {
    for (const track of [this.camera, this.mic]) track?.stop();
    this.camera = this.mic = null;
    for (const id of [...this.tiles.keys()]) this.removeTile(id);
    this.cameraButton.onclick = this.micButton.onclick = null;
    this.setPressed(this.cameraButton, false, 'camera');
    this.setPressed(this.micButton, false, 'mic');
  }

  private async toggle(kind: 'video' | 'audio'): Promise<void> {
    const current = kind === 'video' ? this.camera : this.mic;
    if (current) {
      this.mesh.removeTrack(current);
      this.localStream.removeTrack(current);
      current.stop();
      this.setTrack(kind, null);
      if (kind === 'video') this.removeTile('self');
      return;
    }
    let track: MediaStreamTrack | undefined;
    if (!navigator.mediaDevices) {
      this.onError('Camera and microphone need a secure page: open it over https or on localhost.');
      return;
    }
    try {
      const media = await navigator.mediaDevices.getUserMedia(
        kind === 'video' ? { video: { width: { ideal: 640 }, height: { ideal: 360 } } } : { audio: true },
      );
      track = media.getTracks()[0];
    } catch (err) {
      this.onError(
        `Cannot use your ${kind === 'video' ? 'camera' : 'microphone'}: ${(err as Error).message}`,
      );
      return;
    }
    if (!track) return;
    this.setTrack(kind, track);
    this.localStream.addTrack(track);
    this.mesh.addTrack(track, this.localStream);
    if (kind === 'video') this.tile('self', this.selfName, `${this.selfName} (you)`, this.localStream, true);
  }

  private setTrack(kind: 'video' | 'audio', track: MediaStreamTrack | null): void {
    if (kind === 'video') {
      this.camera = track;
      this.setPressed(this.cameraButton, track !== null, 'camera');
    } else {
      this.mic = track;
      this.setPressed(this.micButton, track !== null, 'mic');
    }
  }

  private setPressed(button: HTMLButtonElement, on: boolean, what: string): void {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = `${on ? 'Stop' : 'Start'} ${what}`;
  }

  private showRemote(
    id: string,
    username: string,
    track: MediaStreamTrack,
    stream: MediaStream | undefined,
  ): void {
    const existing = this.tiles.get(id);
    const target = stream ?? existing?.stream ?? new MediaStream();
    if (!target.getTracks().includes(track)) target.addTrack(track);
    // A remote stream loses its track when the peer stops sending it (after renegotiation).
    target.onremovetrack = () => {
      if (target.getVideoTracks().length === 0) this.removeTile(id);
    };
    // Audio without video still needs an element to play it; its tile says who is talking.
    const caption = target.getVideoTracks().length > 0 ? username : `${username} (audio)`;
    this.tile(id, username, caption, target, false);
  }

  private tile(id: string, peerName: string, caption: string, stream: MediaStream, local: boolean): void {
    let entry = this.tiles.get(id);
    if (!entry) {
      const video = h('video', { testid: 'video', attrs: { autoplay: '', playsinline: '' } });
      video.muted = local; // never play our own microphone back
      const tile = h(
        'figure',
        {
          class: local ? 'tile local' : 'tile',
          testid: 'video-tile',
          attrs: { 'data-peer': peerName, 'data-local': String(local) },
        },
        video,
        h('figcaption'),
      );
      entry = { tile, video, stream };
      this.tiles.set(id, entry);
      this.grid.append(tile);
    }
    entry.tile.querySelector('figcaption')!.textContent = caption;
    entry.stream = stream;
    if (entry.video.srcObject !== stream) entry.video.srcObject = stream;
    void entry.video.play().catch(() => {
      // Autoplay with sound can be blocked until the person interacts; start muted instead.
      entry.video.muted = true;
      void entry.video.play().catch(() => undefined);
    });
    this.grid.hidden = false;
    this.grid.dataset.count = String(this.tiles.size);
  }

  private removeTile(id: string): void {
    const entry = this.tiles.get(id);
    if (!entry) return;
    entry.video.srcObject = null;
    entry.tile.remove();
    this.tiles.delete(id);
    this.grid.hidden = this.tiles.size === 0;
    this.grid.dataset.count = String(this.tiles.size);
  }
}
