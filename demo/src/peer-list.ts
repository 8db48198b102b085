/** The people in the room, each with the live state of the connection to them. */
import { byTestId, h, hueOf, initialOf } from './dom.js';

const STATE_TEXT: Record<string, string> = {
  new: 'waiting',
  connecting: 'connecting…',
  connected: 'connected',
  disconnected: 'interrupted',
  failed: 'failed, retrying',
  closed: 'closed',
};

/** The sidebar list of peers. */
export class PeerList {
  private readonly list = byTestId<HTMLUListElement>('peer-list');
  private readonly count = byTestId('peer-count');
  private readonly items = new Map<string, HTMLLIElement>();

  /** Show our own entry. */
  setSelf(username: string): void {
    const self = byTestId<HTMLLIElement>('self-item');
    self.querySelector('.peer-name')!.textContent = username;
    paintAvatar(self.querySelector<HTMLElement>('.avatar')!, username);
    this.updateCount();
  }

  /** Add a peer (or keep the existing entry). */
  add(id: string, username: string): void {
    if (this.items.has(id)) return;
    const avatar = h('span', { class: 'avatar', attrs: { 'aria-hidden': 'true' } });
    paintAvatar(avatar, username);
    const item = h(
      'li',
      {
        class: 'peer',
        testid: 'peer-item',
        attrs: {
          'data-username': username,
          'data-peer-id': id,
          'data-state': 'new',
          'data-channel': 'closed',
        },
      },
      avatar,
      h('span', { class: 'peer-name', text: username }),
      h('span', { class: 'peer-state', testid: 'peer-state', text: STATE_TEXT.new }),
    );
    this.items.set(id, item);
    this.list.append(item);
    this.updateCount();
  }

  /** Show a connection state. */
  setState(id: string, state: string): void {
    const item = this.items.get(id);
    if (!item) return;
    item.dataset.state = state;
    item.querySelector('.peer-state')!.textContent = STATE_TEXT[state] ?? state;
  }

  /** Record whether the chat channel to the peer is open. */
  setChannel(id: string, open: boolean): void {
    const item = this.items.get(id);
    if (item) item.dataset.channel = open ? 'open' : 'closed';
  }

  /** The peer is back under a new id (after a server restart); its entry stays as it is. */
  rekey(previousId: string, id: string): void {
    const item = this.items.get(previousId);
    if (!item) return;
    this.items.delete(previousId);
    this.items.set(id, item);
    item.dataset.peerId = id;
  }

  /** Remove a peer who left. */
  remove(id: string): void {
    this.items.get(id)?.remove();
    this.items.delete(id);
    this.updateCount();
  }

  /** Remove everyone but us. */
  clear(): void {
    for (const id of [...this.items.keys()]) this.remove(id);
  }

  private updateCount(): void {
    this.count.textContent = String(this.items.size + 1);
  }
}

/** Colour and letter of an avatar. */
export function paintAvatar(avatar: HTMLElement, username: string): void {
  avatar.textContent = initialOf(username);
  avatar.style.setProperty('--hue', String(hueOf(username)));
}
