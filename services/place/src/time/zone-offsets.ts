import { IANAZone } from "luxon";

const HOUR_MS = 3_600_000;
const MAX_CACHED_HOURS = 200_000; // ~23 years of hours; cleared when full

/** A zone's UTC offset in minutes at an instant (what wallClockToUtcMs needs). */
export interface OffsetSource {
  offset(ts: number): number;
}

/**
 * IANAZone.offset goes through Intl and costs microseconds; a 200,000-record pull asks about a
 * million times. Offsets are constant within any hour that has no transition, so an hour whose
 * start and end agree is cached; a transition hour is always computed exactly.
 */
export function cachedZone(name: string): OffsetSource {
  const zone = IANAZone.create(name);
  const hours = new Map<number, number>();
  return {
    offset(ts: number): number {
      const hour = Math.floor(ts / HOUR_MS);
      const known = hours.get(hour);
      if (known !== undefined) return known;
      const start = zone.offset(hour * HOUR_MS);
      if (start !== zone.offset((hour + 1) * HOUR_MS - 1)) return zone.offset(ts);
      if (hours.size >= MAX_CACHED_HOURS) hours.clear();
      hours.set(hour, start);
      return start;
    },
  };
}
