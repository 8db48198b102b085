/** The second half of a resume: the session that took a held peer over gets what it missed. */
import type { Backend } from '../backend/backend.js';
import { encodeAuthSuccess, encodeRoomMembers } from '../../protocol/encode.js';
import type { IceServer } from '../../protocol/messages.js';
import { setRoomPeers } from './relay-budget.js';
import type { Session } from './session.js';
import type { TakenOver } from './session-resume.js';

/**
 * Send `session`, identified as the peer it `taken` over, in order: `AUTH_SUCCESS` (`resumed`,
 * `roomId`, `received`, its new `resumeToken`), the frames lost in flight at the drop, the frames
 * queued while it was away, and a fresh `ROOM_MEMBERS` if membership events were dropped.
 */
export async function sendResumed(
  session: Session,
  taken: TakenOver,
  resumeToken: string | undefined,
  backend: Backend,
  iceServersFor?: (peerId: string) => IceServer[] | undefined,
): Promise<void> {
  const { record, replay } = taken;
  // Fresh TURN credentials: the old ones may be close to their expiry.
  const iceServers = iceServersFor?.(record.peerId);
  session.connection.send(
    encodeAuthSuccess({
      username: record.username,
      peerId: record.peerId,
      ...(resumeToken !== undefined ? { resumeToken } : {}),
      ...(iceServers ? { iceServers } : {}),
      resumed: true,
      ...(record.roomId !== null ? { roomId: record.roomId } : {}),
      received: replay.inCount,
    }),
  );
  // Already counted when first sent, so not counted again; the queued ones are new to the count.
  for (const frame of taken.missing) session.connection.send(frame);
  for (const frame of taken.queued) session.send(frame);
  session.log.info(
    { roomId: record.roomId ?? undefined, replayed: taken.missing.length, queued: taken.queued.length },
    'resume',
  );
  if (taken.lostEvents && record.roomId !== null) {
    const members = await backend.roomMembers(record.roomId);
    if (session.state === 'identified' && session.roomId === record.roomId) {
      const others = members.filter((m) => m.id !== record.peerId);
      // Events were dropped: the signal budget is sized for the room as it is now.
      setRoomPeers(session, others.length);
      session.send(encodeRoomMembers(record.roomId, others));
    }
  }
}
