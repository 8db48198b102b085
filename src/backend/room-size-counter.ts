/**
 * An optional backend capability: rooms counted by member count as they change, so metrics read
 * the room-size distribution without walking the rooms (the memory backend has it).
 */

/** A backend that counts its rooms by member count as they change. */
export interface RoomSizeCounter {
  /** Rooms by member count (sizes with no room left out). */
  roomSizeCounts(): ReadonlyMap<number, number>;
}
