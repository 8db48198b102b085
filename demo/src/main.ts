/** The demo page: the join form, the room view, the connection status and the error banner. */
import { SignalroomError, checkRoomId, normaliseUsername, type ConnectionState } from '../../client/index.js';
import { byTestId } from './dom.js';
import { describeError } from './error-text.js';
import { bindComposer, RoomSession } from './room-session.js';

const joinView = document.getElementById('join-view') as HTMLElement;
const roomView = document.getElementById('room-view') as HTMLElement;
const form = byTestId<HTMLFormElement>('join-form');
const usernameInput = byTestId<HTMLInputElement>('username-input');
const roomInput = byTestId<HTMLInputElement>('room-input');
const joinButton = byTestId<HTMLButtonElement>('join-button');
const banner = byTestId('error-banner');
const status = byTestId('connection-status');
let session: RoomSession | null = null;

const STATUS_TEXT: Record<ConnectionState, string> = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

function showState(state: ConnectionState): void {
  status.dataset.state = state;
  status.querySelector('.status-text')!.textContent = STATUS_TEXT[state];
}

function showError(message: string): void {
  byTestId('error-text').textContent = message;
  banner.hidden = false;
}

function hideError(): void {
  banner.hidden = true;
}

function shareLink(room: string): string {
  return `${location.origin}/?room=${encodeURIComponent(room)}`;
}

function enterRoom(current: RoomSession): void {
  joinView.hidden = true;
  roomView.hidden = false;
  byTestId('room-name').textContent = current.room;
  byTestId<HTMLInputElement>('share-link').value = shareLink(current.room);
  history.replaceState(null, '', `/?room=${encodeURIComponent(current.room)}`);
  document.title = `${current.room} · signalroom`;
  byTestId<HTMLInputElement>('chat-input').focus();
}

function leaveRoom(): void {
  session?.close();
  session = null;
  roomView.hidden = true;
  joinView.hidden = false;
  document.title = 'signalroom';
  showState('idle');
}

async function join(username: string, room: string): Promise<void> {
  hideError();
  joinButton.disabled = true;
  joinButton.textContent = 'Joining…';
  const current = new RoomSession(username, room, {
    showState,
    showError,
    ended: () => {
      if (session === current && !roomView.hidden)
        showError('Disconnected from the server. Join again to retry.');
    },
  });
  try {
    await current.start();
    session = current;
    enterRoom(current);
  } catch (err) {
    current.close();
    showState('idle');
    const error =
      err instanceof SignalroomError ? err : SignalroomError.client('CONNECTION_FAILED', String(err));
    showError(describeError(error, { username, room }));
    (error.code === 'INVALID_ROOM' || error.code === 'ROOM_FULL' || error.code === 'FORBIDDEN_ROOM'
      ? roomInput
      : usernameInput
    ).select();
  } finally {
    joinButton.disabled = false;
    joinButton.textContent = 'Join room';
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = normaliseUsername(usernameInput.value);
  if (!name.ok) {
    showError(`That name cannot be used: ${name.reason}.`);
    return;
  }
  const room = checkRoomId(roomInput.value.trim());
  if (!room.ok) {
    showError(`That room name cannot be used: ${room.reason}.`);
    return;
  }
  void join(name.value, room.value);
});

byTestId('leave-button').addEventListener('click', leaveRoom);
byTestId('copy-link').addEventListener('click', () => {
  const link = byTestId<HTMLInputElement>('share-link');
  link.select();
  void navigator.clipboard?.writeText(link.value).catch(() => undefined);
});
banner.querySelector('.banner-close')!.addEventListener('click', hideError);
window.addEventListener('pagehide', () => session?.close());
bindComposer(() => session);

const fromUrl = new URLSearchParams(location.search).get('room');
roomInput.value = fromUrl ?? `room-${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
(fromUrl ? usernameInput : usernameInput).focus();
