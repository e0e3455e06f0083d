import type { OffsetSource } from "./zone-offsets.js";

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;
const DAY_MS = 86_400_000;

export interface WallClock {
  /** "YYYY-MM-DDTHH:mm:ss": the one spelling stored and hashed, whichever a source sent. */
  text: string;
  /** The wall-clock reading as if it were UTC (milliseconds), for zone arithmetic. */
  asUtcMs: number;
}

/** A device wall-clock reading ("T" or " " between date and time), or undefined if it is not one. */
export function parseWallClock(value: string): WallClock | undefined {
  const m = LOCAL_TIME.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtcMs = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(asUtcMs);
  // Date.UTC rolls 02-30 over to 03-02; a real reading survives the round trip.
  if (y < 1970 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  return { text: value.replace(" ", "T"), asUtcMs };
}

/**
 * The UTC instant of a wall-clock reading in an IANA zone, deterministic around DST changes:
 * - a reading that happens twice (clocks fall back) is the EARLIER instant;
 * - a reading that never happens (clocks spring forward) is read with the offset in force
 *   before the gap, which is what a device that missed the change would have shown.
 * Both cases follow one rule: use the offset from before the transition. (Assumes at most one
 * transition within a day of the reading, true of every zone in use.)
 */
export function wallClockToUtcMs(asUtcMs: number, zone: OffsetSource): number {
  const before = zone.offset(asUtcMs - DAY_MS);
  const after = zone.offset(asUtcMs + DAY_MS);
  const instants = [before, after]
    .filter((offset) => zone.offset(asUtcMs - offset * 60_000) === offset)
    .map((offset) => asUtcMs - offset * 60_000);
  return instants.length > 0 ? Math.min(...instants) : asUtcMs - before * 60_000;
}
