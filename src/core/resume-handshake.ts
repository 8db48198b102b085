/** The second half of a resume: the new connection becomes the held peer and gets what it missed. */
import type { Backend } from '../backend/backend.js';
import { encodeAuthSuccess, encodeRoomMembers } from '../../protocol/encode.js';
import type { IceServer } from '../../protocol/messages.js';
import type { Session } from './session.js';
import { resumeTokenKey } from './resume-token.js';
import type { SessionResume, TakenOver } from './session-resume.js';

/**
 * Give `session` the identity, room and counters of the peer it took over, then send, in order:
 * `AUTH_SUCCESS` (`resumed`, `roomId`, `received`), the frames lost in flight at the drop, the
 * frames queued while it was away, and a fresh `ROOM_MEMBERS` if membership events were dropped.
 */
export async function completeResume(
  session: Session,
  taken: TakenOver,
  resume: SessionResume,
  backend: Backend,
  iceServersFor?: (peerId: string) => IceServer[] | undefined,
): Promise<void> {
  const { record, replay } = taken;
  session.peerId = record.peerId;
  session.username = record.username;
  session.usernameKey = record.usernameKey;
  session.roomId = record.roomId;
  session.allowedRooms = record.allowedRooms;
  session.authExpiresAt = record.authExpiresAt ?? 0;
  session.state = 'identified';
  session.replay = replay;
  const resumeToken = resume.issueToken(session);
  // Fresh TURN credentials: the old ones may be close to their expiry.
  const iceServers = iceServersFor?.(record.peerId);
  session.previousResumeTokenKey = resumeTokenKey(taken.token);
  session.connection.send(
    encodeAuthSuccess({
      username: record.username,
      peerId: record.peerId,
      resumeToken,
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
      session.send(
        encodeRoomMembers(
          record.roomId,
          members.filter((m) => m.id !== record.peerId),
        ),
      );
    }
  }
}
