import { ZkProtocolError } from "./errors.js";

/**
 * Device wall-clock time as "YYYY-MM-DDTHH:mm:ss". Devices keep naive local time with no zone
 * (fact sheet §4, §9.8); the site's IANA zone is attached later, never here.
 */
export type WallClock = string;

export interface WallClockParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;
const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

export function formatWallClock(p: WallClockParts): WallClock {
  return `${p.year}-${TWO[p.month]}-${TWO[p.day]}T${TWO[p.hour]}:${TWO[p.minute]}:${TWO[p.second]}`;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
}

function isValid(p: WallClockParts): boolean {
  return (
    p.month >= 1 &&
    p.month <= 12 &&
    p.day >= 1 &&
    p.day <= daysInMonth(p.year, p.month) &&
    p.hour <= 23 &&
    p.minute <= 59 &&
    p.second <= 59
  );
}

/** Parse and validate a wall-clock string (also accepts a space instead of the T). */
export function parseWallClock(s: string): WallClockParts {
  const m = WALL_CLOCK.exec(s.replace(" ", "T"));
  const p = m && {
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +m[4]!,
    minute: +m[5]!,
    second: +m[6]!,
  };
  if (!p || !isValid(p)) throw new RangeError(`"${s}" is not a valid time; use YYYY-MM-DDTHH:mm:ss`);
  return p;
}

/** Seconds since 1970 reading the wall clock as if it were UTC: for arithmetic only. */
export function wallClockToSeconds(s: WallClock): number {
  const p = parseWallClock(s);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) / 1000;
}

export function secondsToWallClock(seconds: number): WallClock {
  const d = new Date(seconds * 1000);
  return formatWallClock({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  });
}

/** The 4-byte encoding: seconds on a calendar of 31-day months from 2000-01-01 (§4). */
export function encodeZkTime(s: WallClock): number {
  const p = parseWallClock(s);
  if (p.year < 2000 || p.year > 2099) {
    throw new RangeError(`${s}: devices can only store years 2000-2099`);
  }
  return (
    ((p.year % 100) * 372 + (p.month - 1) * 31 + (p.day - 1)) * 86400 +
    (p.hour * 60 + p.minute) * 60 +
    p.second
  );
}

// A log repeats the same few hundred days: their "YYYY-MM-DDT" prefixes are decoded once.
const dayPrefixes = new Map<number, string>();

export function decodeZkTime(raw: number): WallClock {
  const t = raw >>> 0;
  const days = Math.floor(t / 86400);
  let prefix = dayPrefixes.get(days);
  if (prefix === undefined) {
    const p = {
      year: Math.floor(days / 372) + 2000,
      month: (Math.floor(days / 31) % 12) + 1,
      day: (days % 31) + 1,
      hour: 0,
      minute: 0,
      second: 0,
    };
    // Corrupt values can name impossible dates (Feb 31) that Date would silently roll over.
    if (p.year > 2099 || !isValid(p)) {
      throw new ZkProtocolError(`time value 0x${raw.toString(16)} decodes to an impossible date`);
    }
    prefix = `${p.year}-${TWO[p.month]}-${TWO[p.day]}T`;
    if (dayPrefixes.size >= 40_000) dayPrefixes.clear();
    dayPrefixes.set(days, prefix);
  }
  const secs = t - days * 86400;
  const minutes = Math.floor(secs / 60);
  return `${prefix}${TWO[Math.floor(minutes / 60)]}:${TWO[minutes % 60]}:${TWO[secs % 60]}`;
}

/** The 6-byte "timehex" of realtime events: [Y-2000, M, D, h, m, s]. */
export function encodeTimeHex(s: WallClock): Buffer {
  const p = parseWallClock(s);
  // Buffer.from would silently wrap Y-2000 into a byte (1999 -> 2255); the 4-byte clock range applies.
  if (p.year < 2000 || p.year > 2099) {
    throw new RangeError(`${s}: devices can only store years 2000-2099`);
  }
  return Buffer.from([p.year - 2000, p.month, p.day, p.hour, p.minute, p.second]);
}

export function decodeTimeHex(b: Buffer, offset = 0): WallClock {
  const p = {
    year: 2000 + b[offset]!,
    month: b[offset + 1]!,
    day: b[offset + 2]!,
    hour: b[offset + 3]!,
    minute: b[offset + 4]!,
    second: b[offset + 5]!,
  };
  if (!isValid(p)) {
    throw new ZkProtocolError(
      `event time ${b.subarray(offset, offset + 6).toString("hex")} is not a valid date`,
    );
  }
  return formatWallClock(p);
}
