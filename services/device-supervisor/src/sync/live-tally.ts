import type { Cursor } from "./cursor.js";

/** What live capture has done since the cursor, as plain numbers (see liveVerdict). */
export interface TallySnapshot {
  /** Realtime punches received so far; each has a sequence number 1..received. */
  received: number;
  /** Of those, answered by the place (stored or failed). */
  settled: number;
  /** Punches 1..base are already accounted for by the cursor. */
  base: number;
  /** The newest punch that failed to reach the place, or whose place in a read is unknown. */
  doubtfulThrough: number;
  /** The newest punch received, to name the last record in a cursor. */
  last: { localTime: string; userId: string } | undefined;
}

export type LiveVerdict =
  { kind: "read" } | { kind: "pending" } | { kind: "confirmed"; cursor: Cursor; base: number };

/**
 * Whether the device log, counted at `records`, holds anything the place lacks, judged without
 * reading it. Every realtime punch is a record appended to the log before the device sends it,
 * in log order, so when the count grew by exactly the punches live capture received since the
 * cursor, and the place stored every one of them, the new records are those punches: the cursor
 * moves past them and nothing needs reading. Any other count (a punch live capture missed, a
 * cleared log), or a live punch that did not reach the place, means read the log from the cursor.
 * "pending": the count matches but some punches are still on their way; each either gets stored
 * or fails (and a failure asks for a pull), so there is nothing to read yet.
 */
export function liveVerdict(cursor: Cursor, t: TallySnapshot, records: number): LiveVerdict {
  const live = t.received - t.base;
  if (t.doubtfulThrough > t.base) return { kind: "read" };
  if (records !== cursor.recordsIngested + live) return { kind: "read" };
  if (t.settled < t.received) return { kind: "pending" };
  if (live === 0 || !t.last) return { kind: "confirmed", cursor, base: t.base };
  return {
    kind: "confirmed",
    cursor: { recordsIngested: records, lastLocalTime: t.last.localTime, lastUserId: t.last.userId },
    base: t.received,
  };
}

/**
 * One device's count of realtime punches received and stored, kept outside the XState context
 * updates so a live punch costs no machine event. The device actor owns one; live capture
 * writes it, pulls read it. No I/O here.
 */
export class LiveTally {
  private received = 0;
  private settled = 0;
  private base = 0;
  private doubtfulThrough = 0;
  private last: { localTime: string; userId: string } | undefined;
  /** When the last realtime punch arrived (ms), for the status's last_seen_at. */
  lastPunchAt = 0;

  /** A realtime punch arrived; returns its sequence number. */
  receive(localTime: string, userId: string, atMs: number): number {
    this.last = { localTime, userId };
    this.lastPunchAt = atMs;
    return ++this.received;
  }

  /** The place answered for punch `seq`: stored, or not (then the log must be read again). */
  settle(seq: number, stored: boolean): void {
    this.settled++;
    if (!stored && seq > this.doubtfulThrough) this.doubtfulThrough = seq;
  }

  snapshot(): TallySnapshot {
    return {
      received: this.received,
      settled: this.settled,
      base: this.base,
      doubtfulThrough: this.doubtfulThrough,
      last: this.last,
    };
  }

  /** The cursor moved past the punches 1..base without a read (liveVerdict said so). */
  confirmed(base: number): void {
    if (base > this.base) this.base = base;
  }

  /** The log was cleared: every punch received so far was in it. */
  cleared(): void {
    this.base = this.received;
  }

  /** Call just before reading the log; pass the mark to readDone. */
  readStarted(): number {
    return this.received;
  }

  /**
   * The log was read. Punches received before the read started are in it; those received
   * during the read may or may not be, so they count as doubtful: the next pull reads again.
   */
  readDone(mark: number): void {
    this.base = Math.max(this.base, mark);
    if (this.received > mark && this.received > this.doubtfulThrough) this.doubtfulThrough = this.received;
  }
}
