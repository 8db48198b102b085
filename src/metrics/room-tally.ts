/**
 * How many rooms there are and of which sizes, for `signalroom_rooms` and
 * `signalroom_rooms_by_size`, without walking every room on the scrape path. A backend that keeps
 * its rooms counted by size (the memory backend) is read directly: a scrape costs one entry per
 * distinct size. Any other (Redis) is walked at most once per {@link WALK_EVERY_MS}, and scrapes
 * in between are served the last walk's result.
 */
import type { Backend } from '../backend/backend.js';
import type { RoomSizeCounter } from '../backend/room-size-counter.js';

/** Rooms in all, and by member count. */
export interface RoomStats {
  rooms: number;
  bySize: ReadonlyMap<number, number>;
}

/** Age at which a walked tally is refreshed (in the background; the scrape gets the last one). */
export const WALK_EVERY_MS = 30_000;

/** Rooms read per backend call during a walk. */
const ROOM_PAGE = 1000;

/** Serves room statistics to the metrics, counted or walked (see the file comment). */
export class RoomTally {
  private last: RoomStats | null = null;
  private walkedAt = 0;
  private walking: Promise<RoomStats> | null = null;

  constructor(
    private readonly backend: Backend,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current statistics (from a walk up to {@link WALK_EVERY_MS} old for uncounted backends). */
  async read(): Promise<RoomStats> {
    if (isCounter(this.backend)) return fromCounts(this.backend.roomSizeCounts());
    if (this.last === null) return this.walk();
    if (this.now() - this.walkedAt >= WALK_EVERY_MS) {
      // A failed background walk keeps the last result; the next scrape tries again.
      this.walk().catch(() => undefined);
    }
    return this.last;
  }

  private walk(): Promise<RoomStats> {
    this.walking ??= walkRooms(this.backend)
      .then((stats) => {
        this.last = stats;
        this.walkedAt = this.now();
        return stats;
      })
      .finally(() => {
        this.walking = null;
      });
    return this.walking;
  }
}

function isCounter(backend: Backend): backend is Backend & RoomSizeCounter {
  return typeof (backend as Partial<RoomSizeCounter>).roomSizeCounts === 'function';
}

function fromCounts(bySize: ReadonlyMap<number, number>): RoomStats {
  let rooms = 0;
  for (const n of bySize.values()) rooms += n;
  return { rooms, bySize };
}

async function walkRooms(backend: Backend): Promise<RoomStats> {
  const bySize = new Map<number, number>();
  let cursor: string | null = null;
  do {
    const page = await backend.listRooms(cursor, ROOM_PAGE);
    for (const room of page.rooms) bySize.set(room.members, (bySize.get(room.members) ?? 0) + 1);
    cursor = page.next;
  } while (cursor !== null);
  return fromCounts(bySize);
}
