import { DayType, type WorkRules as WorkRulesProto } from "@biometricflow/proto";
import { midnight, weekday } from "./calendar.js";

/** A place's rules, parsed once: times of day in minutes after midnight (wall clock). */
export interface WorkRules {
  shiftStartMin: number;
  shiftEndMin: number;
  graceMinutes: number;
  minHoursPresent: number;
  breakMinutes: number;
  weekendDays: ReadonlySet<number>;
  holidays: ReadonlySet<string>;
}

const hhmm = /^([01]\d|2[0-3]):([0-5]\d)$/;

function minutesOf(value: string, fallback: string, field: string): number {
  const m = hhmm.exec(value || fallback);
  if (!m) throw new Error(`work rules: ${field} "${value}" is not "HH:mm"`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** From GetPlace's WorkRules; empty fields take the place service's own defaults. */
export function parseWorkRules(p: WorkRulesProto | undefined): WorkRules {
  return {
    shiftStartMin: minutesOf(p?.shiftStart ?? "", "08:00", "shift_start"),
    shiftEndMin: minutesOf(p?.shiftEnd ?? "", "17:00", "shift_end"),
    graceMinutes: p?.graceMinutes ?? 0,
    minHoursPresent: p?.minHoursPresent ?? 0,
    breakMinutes: p?.breakMinutes ?? 0,
    weekendDays: new Set(p?.weekendDays ?? []),
    holidays: new Set(p?.holidays ?? []),
  };
}

/** Shift length in minutes; an end at or before the start is an overnight shift. */
export function shiftMinutes(r: WorkRules): number {
  const len = (r.shiftEndMin - r.shiftStartMin + 1440) % 1440;
  return len === 0 ? 1440 : len;
}

/**
 * Where a work day begins, in seconds from its date's midnight (may be negative): halfway through
 * the time off between one shift's end and the next one's start. A punch belongs to work day D
 * when it falls in [D + offset, D + offset + 24 h). So 08:00-17:00 days run 00:30 to 00:30, and a
 * 22:00-06:00 night shift runs 14:00 to 14:00: its in and out punches land on one work day, the
 * day it started, never split at midnight.
 */
export function dayStartOffsetSeconds(r: WorkRules): number {
  const offMinutes = 1440 - shiftMinutes(r);
  return (r.shiftStartMin - offMinutes / 2) * 60;
}

/** The work day a wall-clock punch belongs to. */
export function workDayOf(wallSecs: number, r: WorkRules): string {
  const day = Math.floor((wallSecs - dayStartOffsetSeconds(r)) / 86_400);
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

// Read once: the package re-exports enums through getters, and this runs for every row.
const { DAY_TYPE_HOLIDAY: HOLIDAY, DAY_TYPE_WEEKEND: WEEKEND, DAY_TYPE_WORKDAY: WORKDAY } = DayType;

export function dayTypeOf(date: string, r: WorkRules): DayType {
  if (r.holidays.has(date)) return HOLIDAY;
  if (r.weekendDays.has(weekday(date))) return WEEKEND;
  return WORKDAY;
}

/** Shift start and end of work day `date`, on the wall-clock seconds scale. */
export function shiftBounds(date: string, r: WorkRules): { start: number; end: number } {
  const start = midnight(date) + r.shiftStartMin * 60;
  return { start, end: start + shiftMinutes(r) * 60 };
}
