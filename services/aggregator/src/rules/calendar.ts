/*
 * Dates and wall-clock times as plain numbers. A wall-clock time ("2024-05-06 08:00:00", no zone)
 * is counted in seconds as if it were UTC: differences between two wall-clock times are then
 * plain subtraction, and no time zone (or DST rule) can shift a work day.
 */

const dateRe = /^(\d{4})-(\d{2})-(\d{2})$/;
const wallRe = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;
const DAY = 86_400;

// A timesheet asks about the same few dates hundreds of thousands of times: parse each once.
const known = new Map<string, number | undefined>();

/** Days since 1970-01-01 for a real calendar date "YYYY-MM-DD"; undefined otherwise. */
export function dayNumber(date: string): number | undefined {
  if (known.has(date)) return known.get(date);
  const m = dateRe.exec(date);
  let day: number | undefined;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    day = new Date(ms).toISOString().startsWith(date) ? ms / 86_400_000 : undefined;
  }
  if (known.size >= 100_000) known.clear(); // bounded whatever callers send
  known.set(date, day);
  return day;
}

export function dateOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return dateOfDay(mustDay(date) + n);
}

/** 0 Sunday ... 6 Saturday (WorkRules.weekend_days). */
export function weekday(date: string): number {
  return (((mustDay(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** Number of days from..to, both included. */
export function daysInclusive(from: string, to: string): number {
  return mustDay(to) - mustDay(from) + 1;
}

export function eachDay(from: string, to: string): string[] {
  const first = mustDay(from);
  return Array.from({ length: Math.max(0, mustDay(to) - first + 1) }, (_, i) => dateOfDay(first + i));
}

/** Seconds of a wall-clock "YYYY-MM-DD HH:mm:ss" (or with "T"), counted as if UTC. */
export function wallSeconds(wall: string): number {
  const m = wallRe.exec(wall);
  if (!m) throw new Error(`not a wall-clock time: ${JSON.stringify(wall)}`);
  return (
    Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000
  );
}

/** "YYYY-MM-DDTHH:mm:ss", the shape of Punch.local_time. */
export function formatWall(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

/** Seconds of midnight starting `date`, on the wall-clock scale. */
export function midnight(date: string): number {
  return mustDay(date) * DAY;
}

function mustDay(date: string): number {
  const d = dayNumber(date);
  if (d === undefined) throw new Error(`not a calendar date: ${JSON.stringify(date)}`);
  return d;
}
