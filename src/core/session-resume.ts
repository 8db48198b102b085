/**
 * Session resume (docs/reliability.md): a peer whose connection is lost without a close frame is
 * held for the grace period, silently for its room; what arrives for it is queued; an IDENTIFY
 * with its resume token takes it back. The token → record lookup lives in the backend (atomic,
 * single-use), so a peer can come back through another node; the queue and replay log stay on the
 * node that held it and are fetched from there.
 */
import type { Logger } from 'pino';
import type { Backend, HeldState, ResumeRecord } from '../backend/backend.js';
import { frameFromText, type OutFrame } from '../../protocol/frame.js';
import {
  HeldSessions,
  type EvictionCause,
  type HeldLimits,
  type HeldSession,
  type QueueBounds,
} from './held-sessions.js';
import { ReplayLog, type ReplayBounds } from './replay-log.js';
import { reportDropped } from './queue-overflow.js';
import { resumeTokenKey } from './resume-token.js';
import { isSavedBudgets, saveBudgets } from './session-budgets.js';
import type { Session } from './session.js';
import { SignalError } from './signal-error.js';

/** Resume settings; `graceMs: 0` turns resume off (no tokens issued, drops end sessions at once). */
export interface ResumeOptions {
  graceMs: number;
  queue: QueueBounds;
  replay: ReplayBounds;
  /** Limits on all holds of the node; default {@link DEFAULT_HELD_LIMITS}. */
  held?: HeldLimits;
}

/** The limits on holds when none are given: those of the config's defaults. */
export const DEFAULT_HELD_LIMITS: HeldLimits = {
  maxHeld: 10_000,
  maxHeldPerIp: 1000,
  maxBytes: 64 * 1024 * 1024,
};

/** Throw an error when the node's budget for holds cannot hold even one full replay log and queue. */
export function checkResumeOptions(options: ResumeOptions): void {
  const held = options.held ?? DEFAULT_HELD_LIMITS;
  if (held.maxBytes < options.replay.maxBytes + options.queue.maxBytes) {
    throw new Error(
      '--resume-memory-bytes: must hold at least one full replay log and queue (--resume-replay-bytes + --resume-queue-bytes)',
    );
  }
}

/** What a successful takeover hands to the core for the new connection. */
export interface TakenOver {
  record: ResumeRecord;
  replay: ReplayLog;
  /** Frames the client missed before the drop (already counted), to send first. */
  missing: OutFrame[];
  /** Frames that arrived while it was away (not yet counted), to send next. */
  queued: OutFrame[];
  lostEvents: boolean;
  /** The token that was used: valid again if the new connection dies before the client gets a new one. */
  token: string;
  /** The session's budgets when it was held (session-budgets.ts), or `null` (none saved, or from an older node). */
  budgets: number[] | null;
}

/** After a taken record, how long the holder keeps the queue for the resuming node to fetch. */
const HANDOVER_WAIT_MS = 10_000;

/** Holds dropped peers of this node and resumes peers presenting a token. */
export class SessionResume {
  private readonly held: HeldSessions;
  /** Peers being taken over from another node: frames reaching this node meanwhile wait here. */
  private readonly adopting = new Map<string, OutFrame[]>();
  /** Running expiries and evictions, so shutdown can wait for them. */
  private readonly tasks = new Set<Promise<void>>();
  private counts = { holds: 0, resumes: 0, expiries: 0, overflows: 0, evictions: 0 };

  constructor(
    private readonly backend: Backend,
    private readonly logger: Logger,
    readonly options: ResumeOptions,
    /** The clock credentials expire by (ms since the epoch); tests pass their own. */
    private readonly now: () => number = Date.now,
  ) {
    this.held = new HeldSessions(
      options.queue,
      options.held ?? DEFAULT_HELD_LIMITS,
      (held, dropped) => {
        this.counts.overflows++;
        reportDropped(held, dropped, backend);
      },
      (held, cause) => this.endEvicted(held, cause),
    );
  }

  /** True when sessions get resume tokens and are held after a drop. */
  get enabled(): boolean {
    return this.options.graceMs > 0;
  }

  /** A fresh replay log for a newly identified session. */
  newLog(): ReplayLog {
    return new ReplayLog(this.options.replay);
  }

  /** Resolves once the hold of `peerId` (if any) has saved its record. */
  async settled(peerId: string): Promise<void> {
    await this.held.get(peerId)?.ready;
  }

  /** Hold a session whose connection was lost; its life (session-life.ts) has already taken it off every index. */
  hold(session: Session): void {
    const record: ResumeRecord = {
      peerId: session.peerId,
      username: session.username,
      usernameKey: session.usernameKey,
      roomId: session.roomId,
      allowedRooms: session.allowedRooms,
      nodeId: this.backend.nodeId,
      tokenKey: session.resumeTokenKey,
      aliasKey: session.previousResumeTokenKey || null,
    };
    if (session.authExpiresAt !== 0) record.authExpiresAt = session.authExpiresAt;
    const replay = session.replay ?? this.newLog();
    // The budgets go with the peer: a resume, here or on another node, does not refill them.
    const budgets = saveBudgets(session);
    const held = this.start(record, replay, session.info.ipKey ?? session.info.ip, [], session.log, budgets);
    // A join or leave may be running: the record is saved with the room it settles on.
    held.ready = (session.busy ?? Promise.resolve()).then(() => {
      held.record.roomId = session.roomId;
      return this.save(held, session.log);
    });
    session.log.info(
      { roomId: session.roomId ?? undefined, graceMs: this.options.graceMs },
      'held for resume',
    );
  }

  /**
   * Take a held peer back for a connection presenting `token` (having received `received` frames
   * of the old ones; `undefined`: the client does not count, nothing is replayed). Throws
   * `UNAUTHORIZED` for an unknown, used or expired token, or when frames it missed are gone.
   * A token with no record may still name a session live on another node (the client noticed the
   * drop first): that node holds it on request (`Backend.holdLive`), then its record is taken.
   */
  async takeOver(token: string, received: number | undefined): Promise<TakenOver> {
    const key = resumeTokenKey(token);
    let record = await this.claim(key);
    if (!record) {
      // Claimed again whatever the answer: a hold saves its record before its token leaves the
      // bearer index (session-life.ts), so a hold that raced this lookup has saved it by now.
      await this.backend.holdLive(key);
      record = await this.claim(key);
    }
    if (!record) throw new SignalError('UNAUTHORIZED', 'Unknown, used or expired resume token');
    this.adopting.set(record.peerId, []);
    try {
      let state: HeldState | null;
      try {
        state = await this.backend.fetchHeld(record);
      } catch (err) {
        // The record is ours now: without its state the peer cannot come back, so end it.
        await this.endPeer(record).catch(() => undefined);
        throw err;
      }
      if (!state) {
        await this.endPeer(record);
        throw new SignalError('UNAUTHORIZED', 'The session can no longer be resumed');
      }
      if (record.authExpiresAt !== undefined && this.now() >= record.authExpiresAt) {
        // The hold is released (its state fetched): the peer ends here, as after its grace period.
        await this.endPeer(record);
        throw new SignalError(
          'UNAUTHORIZED',
          `Cannot resume: the session's credentials expired at ${new Date(record.authExpiresAt).toISOString()}; identify again with a fresh token`,
        );
      }
      const replay = new ReplayLog(this.options.replay, state.inCount, state.outCount, state.replay);
      const missed = received === undefined ? [] : replay.missing(received);
      if (missed === null) {
        await this.endPeer(record);
        throw new SignalError(
          'UNAUTHORIZED',
          `Cannot resume: the server no longer has the frames after number ${received}`,
        );
      }
      // The held state came as texts (maybe from another node); what reached this node meanwhile is typed.
      const missing = missed.map(frameFromText);
      const queued = [...state.queued.map(frameFromText), ...(this.adopting.get(record.peerId) ?? [])];
      this.counts.resumes++;
      const budgets = isSavedBudgets(state.budgets) ? state.budgets : null;
      return { record, replay, missing, queued, lostEvents: state.lostEvents, token, budgets };
    } finally {
      this.adopting.delete(record.peerId);
    }
  }

  /**
   * The connection that took a peer over (from `ip`) died before it was answered: hold the peer
   * again under the old token.
   */
  holdAgain(taken: TakenOver, ip: string, log: Logger): void {
    // The client still has only the token it used: the record answers to it again.
    const used = resumeTokenKey(taken.token);
    const record: ResumeRecord = {
      ...taken.record,
      aliasKey: used === taken.record.tokenKey ? null : used,
    };
    const held = this.start(record, taken.replay, ip, taken.queued, log, taken.budgets);
    held.ready = this.save(held, log);
  }

  /** True when this node holds `peerId` for resume. */
  holds(peerId: string): boolean {
    return this.held.get(peerId) !== undefined;
  }

  /** Queue a frame for a held or arriving peer; false when this node has no such peer. */
  deliver(peerId: string, frame: OutFrame): boolean {
    if (this.held.enqueue(peerId, frame)) return true;
    const early = this.adopting.get(peerId);
    if (!early) return false;
    early.push(frame);
    return true;
  }

  /** {@link LocalDelivery.releaseHeld}. */
  release(peerId: string): HeldState | null {
    return this.held.release(peerId);
  }

  /** Drop a held peer whose username another connection took; false when it is not held here. */
  evict(peerId: string): boolean {
    const held = this.held.get(peerId);
    if (!held) return false;
    this.held.remove(held);
    this.endHeld(held, () => this.logger.info({ peerId }, 'held peer replaced by a newer connection'));
    return true;
  }

  /**
   * An operator removes a peer held here for resume (admin kick): end its hold for good, as at the
   * end of its grace period (its room is told, its token refused); false when it is not held here
   * in `roomId`.
   */
  kick(peerId: string, roomId: string): boolean {
    const held = this.held.get(peerId);
    if (!held || held.record.roomId !== roomId) return false;
    this.held.remove(held);
    this.endHeld(held, () => this.logger.info({ peerId, roomId }, 'held peer kicked by an administrator'));
    return true;
  }

  /** End every held peer now (shutdown) and wait for running expiries. */
  async endAll(): Promise<void> {
    for (const held of this.held.all()) {
      this.held.remove(held);
      this.endHeld(held);
    }
    await Promise.all([...this.tasks]);
  }

  /** Sizes and counters, for stats and leak checks. */
  stats(): ReturnType<HeldSessions['size']> & {
    adopting: number;
    tasks: number;
  } & SessionResume['counts'] {
    return {
      ...this.held.size(),
      adopting: this.adopting.size,
      tasks: this.tasks.size,
      ...this.counts,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private start(
    record: ResumeRecord,
    replay: ReplayLog,
    ip: string,
    queued: readonly OutFrame[],
    log: Logger,
    budgets: number[] | null,
  ): HeldSession {
    const held = this.held.add(record, replay, ip, queued, budgets);
    this.counts.holds++;
    held.timer = setTimeout(() => this.track(this.expire(held, log)), this.options.graceMs);
    held.timer.unref();
    return held;
  }

  private async save(held: HeldSession, log: Logger): Promise<void> {
    try {
      // The backend's expiry is only a safety net for a holder that died: this node's own timer
      // takes the record at the end of the grace period, so it must still be there then.
      const ttl = this.options.graceMs + HANDOVER_WAIT_MS;
      await this.backend.saveResume(held.record.tokenKey, held.record, ttl);
      if (held.record.aliasKey) await this.backend.saveResume(held.record.aliasKey, held.record, ttl);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot hold for resume; ending the session');
      this.held.remove(held);
      await this.endPeer(held.record).catch(() => undefined);
    }
  }

  private async expire(held: HeldSession, log: Logger): Promise<void> {
    held.timer = null;
    await held.ready;
    if (this.held.get(held.record.peerId) !== held) return;
    // Taking the record decides the race with a resume arriving right now: one of them wins.
    const record = await this.claim(held.record.tokenKey).catch(() => held.record);
    if (this.held.get(held.record.peerId) !== held) return;
    if (record === null) {
      // A resume took it (maybe through another node) and will fetch the queue: keep it a while.
      held.timer = setTimeout(() => this.held.remove(held), HANDOVER_WAIT_MS);
      held.timer.unref();
      return;
    }
    this.held.remove(held);
    this.counts.expiries++;
    await this.endPeer(held.record);
    log.info({ roomId: held.record.roomId ?? undefined, code: 1006 }, 'resume grace expired; peer removed');
  }

  /**
   * Take the record saved under `key` and own the peer: taking its main key decides ownership (a
   * resume and the grace timer may race); the other key is deleted too, so neither works again.
   */
  private async claim(key: string): Promise<ResumeRecord | null> {
    const record = await this.backend.takeResume(key);
    if (!record) return null;
    if (key === record.aliasKey) {
      // Reached through the previous token: the main key must still be there for this to win.
      return (await this.backend.takeResume(record.tokenKey)) ? record : null;
    }
    if (record.aliasKey) await this.backend.takeResume(record.aliasKey);
    return record;
  }

  /** A limit on holds ended `held` (already removed from the held peers). */
  private endEvicted(held: HeldSession, cause: EvictionCause): void {
    this.counts.evictions++;
    this.endHeld(held, () =>
      this.logger.info(
        { peerId: held.record.peerId, ip: held.ip, cause },
        'held peer ended: too many held peers or too much held memory',
      ),
    );
  }

  /**
   * End a hold already removed from the held peers for good, as at the end of its grace period
   * (then call `ended`), unless a resume took its record first: the resumer then finds no held
   * state and ends the peer itself.
   */
  private endHeld(held: HeldSession, ended?: () => void): void {
    this.track(
      (async () => {
        await held.ready;
        if (!(await this.claim(held.record.tokenKey))) return;
        await this.endPeer(held.record);
        ended?.();
      })(),
    );
  }

  /** Remove a peer for good: its room is told once, its username freed. */
  private async endPeer(record: ResumeRecord): Promise<void> {
    const peer = { id: record.peerId, username: record.username };
    if (record.roomId !== null) await this.backend.leaveRoom(record.roomId, peer);
    await this.backend.releaseUsername(record.usernameKey, record.peerId);
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((err: unknown) => {
      this.logger.warn({ err: (err as Error).message }, 'ending a held session failed');
    });
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }
}
