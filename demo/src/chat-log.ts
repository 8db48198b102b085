/** The chat log: messages, notices and transfer cards, newest at the bottom. */
import { byTestId, h, hueOf } from './dom.js';

/** Appends entries to the log and keeps it scrolled to the newest. */
export class ChatLog {
  private readonly log = byTestId<HTMLOListElement>('chat-log');

  /** A chat message (ours when `mine`). */
  message(from: string, text: string, mine: boolean): void {
    const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const author = h('span', { class: 'author', text: mine ? 'You' : from });
    author.style.setProperty('--hue', String(hueOf(from)));
    this.append(
      h(
        'li',
        { class: mine ? 'msg mine' : 'msg', testid: 'chat-message', attrs: { 'data-from': from } },
        h('div', { class: 'meta' }, author, h('time', { text: time })),
        h('div', { class: 'text', testid: 'chat-text', text }),
      ),
    );
  }

  /** A system notice (someone joined or left, reconnected, …). */
  notice(text: string): void {
    this.append(h('li', { class: 'notice', testid: 'notice', text }));
  }

  /** Any other entry (a transfer card). */
  append(entry: HTMLElement): void {
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    this.log.append(entry);
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Empty the log. */
  clear(): void {
    this.log.replaceChildren();
  }
}
