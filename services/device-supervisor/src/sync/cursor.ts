import type { DeviceCursor } from "@biometricflow/proto";
import { isUnreadableRecord, type AttendanceLogEntry } from "@biometricflow/zk";

export type Cursor = DeviceCursor;

export const EMPTY_CURSOR: Cursor = Object.freeze({ recordsIngested: 0, lastLocalTime: "", lastUserId: "" });

/**
 * What a cursor remembers of a log record, to notice later that the log was cleared or replaced.
 * A record that could not be read is known by its bytes.
 */
export function recordIdentity(e: AttendanceLogEntry): { lastLocalTime: string; lastUserId: string } {
  return isUnreadableRecord(e)
    ? { lastLocalTime: "", lastUserId: `unreadable:${e.bytes}` }
    : { lastLocalTime: e.timestamp, lastUserId: e.userId };
}

/** The cursor after the first `count` records of `records` (readable or not) are stored. */
export function cursorAt(records: readonly AttendanceLogEntry[], count: number): Cursor {
  const last = records[count - 1];
  if (!last) return EMPTY_CURSOR;
  return { recordsIngested: count, ...recordIdentity(last) };
}

export function sameCursor(a: Cursor, b: Cursor): boolean {
  return (
    a.recordsIngested === b.recordsIngested &&
    a.lastLocalTime === b.lastLocalTime &&
    a.lastUserId === b.lastUserId
  );
}

export interface SyncPlan {
  /** Index of the first record to send. */
  from: number;
  /** True when the log no longer continues the cursor (cleared or replaced): everything is sent again. */
  reset: boolean;
}

/**
 * Where to resume in a freshly read log. The protocol has no "since" read, so the cursor is a
 * position; it is trusted only while the record just before it is still the one we stored.
 * Re-sending is safe (the place dedups by key); skipping is not.
 */
export function planSync(cursor: Cursor, records: readonly AttendanceLogEntry[]): SyncPlan {
  const n = cursor.recordsIngested;
  if (n === 0) return { from: 0, reset: false };
  if (records.length < n) return { from: 0, reset: true };
  const last = recordIdentity(records[n - 1]!);
  // A cursor without the last record's identity (an old place) can only be taken at its word.
  const known = cursor.lastLocalTime !== "" || cursor.lastUserId !== "";
  if (known && (last.lastLocalTime !== cursor.lastLocalTime || last.lastUserId !== cursor.lastUserId)) {
    return { from: 0, reset: true };
  }
  return { from: n, reset: false };
}
