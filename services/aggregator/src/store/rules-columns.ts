import { sql } from "@biometricflow/clickhouse";
import type { WorkRules } from "@biometricflow/proto";

/** A place's rules as the columns of the places and place_rules tables. */
export interface RulesColumns {
  shift_start: string;
  shift_end: string;
  grace_minutes: number;
  min_hours_present: number;
  weekend_days: number[];
  holidays: string[];
  break_minutes: number;
}

/** The column list, for SELECT. */
export const RULES_COLUMNS = sql`shift_start, shift_end, grace_minutes, min_hours_present, weekend_days,
  holidays, break_minutes`;

/** Rules as GetPlace gives them, as columns (weekend days and holidays sorted: their order means nothing). */
export function rulesColumns(r: WorkRules | undefined): RulesColumns {
  return {
    shift_start: r?.shiftStart ?? "",
    shift_end: r?.shiftEnd ?? "",
    grace_minutes: r?.graceMinutes ?? 0,
    min_hours_present: r?.minHoursPresent ?? 0,
    weekend_days: [...(r?.weekendDays ?? [])].sort((a, b) => a - b),
    holidays: [...(r?.holidays ?? [])].sort(),
    break_minutes: r?.breakMinutes ?? 0,
  };
}

/** Columns as read back (JSON may carry numbers as text) to rules as GetPlace gives them. */
export function rulesOfColumns(c: RulesColumns): WorkRules {
  return {
    shiftStart: c.shift_start,
    shiftEnd: c.shift_end,
    graceMinutes: Number(c.grace_minutes),
    minHoursPresent: Number(c.min_hours_present),
    weekendDays: c.weekend_days.map(Number),
    holidays: c.holidays,
    breakMinutes: Number(c.break_minutes),
  };
}
