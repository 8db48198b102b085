/** A file transfer as shown in the chat log: name, peer, progress bar, status and (received) a download link. */
import { formatBytes, h } from './dom.js';

/** The card of one transfer to or from one peer. */
export class TransferCard {
  readonly element: HTMLLIElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLElement;
  private readonly actions: HTMLElement;

  constructor(direction: 'send' | 'receive', name: string, size: number, peerName: string) {
    this.progress = h('progress', {
      testid: 'transfer-progress',
      attrs: { max: String(Math.max(size, 1)), value: '0' },
    });
    this.status = h('span', { class: 'transfer-status', testid: 'transfer-status', text: 'Waiting…' });
    this.actions = h('div', { class: 'transfer-actions' });
    const verb = direction === 'send' ? `to ${peerName}` : `from ${peerName}`;
    this.element = h(
      'li',
      {
        class: `transfer ${direction}`,
        testid: 'transfer',
        attrs: { 'data-direction': direction, 'data-name': name, 'data-peer': peerName },
      },
      h('div', { class: 'file-icon', attrs: { 'aria-hidden': 'true' } }),
      h(
        'div',
        { class: 'transfer-body' },
        h('div', { class: 'transfer-name', text: name }),
        h('div', { class: 'transfer-meta', text: `${formatBytes(size)} · ${verb}` }),
        this.progress,
        h('div', { class: 'transfer-foot' }, this.status, this.actions),
      ),
    );
    this.size = size;
  }

  private readonly size: number;

  /** Show `done` bytes of the total. */
  update(done: number, label: string): void {
    this.progress.value = Math.min(done, this.size);
    const percent = this.size === 0 ? 100 : Math.floor((done / this.size) * 100);
    this.status.textContent = `${label} ${percent}%`;
  }

  /** Mark the transfer finished. */
  finish(label: string): void {
    this.progress.value = Math.max(this.size, 1);
    this.status.textContent = label;
    this.element.dataset.done = 'true';
  }

  /** Mark the transfer failed. */
  fail(reason: string): void {
    this.status.textContent = reason;
    this.element.dataset.failed = 'true';
  }

  /** Offer the received file. */
  offerDownload(url: string, name: string): void {
    this.actions.replaceChildren(
      h('a', {
        class: 'download',
        testid: 'transfer-download',
        text: 'Download',
        attrs: { href: url, download: name },
      }),
    );
  }
}
