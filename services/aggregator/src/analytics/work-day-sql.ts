import { lit, sql, type Sql } from "@biometricflow/clickhouse";
import { addDays, formatWall, midnight } from "../rules/calendar.js";
import { dayStartOffsetSeconds, type WorkRules } from "../rules/work-rules.js";

/**
 * SQL pieces that place punches on work days (see dayStartOffsetSeconds): the work day of a
 * punch, and the local_time range that holds work days from..to. local_time is the wall clock
 * stored as DateTime('UTC'), so toDate() of it is the wall-clock date with no zone involved.
 */
export function workDaySql(rules: WorkRules, from: string, to: string): { day: Sql; range: Sql } {
  const offset = dayStartOffsetSeconds(rules);
  const lo = formatWall(midnight(from) + offset).replace("T", " ");
  const hi = formatWall(midnight(addDays(to, 1)) + offset).replace("T", " ");
  return {
    day: sql`toDate(addSeconds(local_time, ${lit.int32(-offset)}))`,
    range: sql`local_time >= ${lit.dateTime(lo)} AND local_time < ${lit.dateTime(hi)}`,
  };
}

/** `AND column IN (...)`, or nothing when the filter is empty. */
export function anyOf(column: "user_id" | "device_id" | "place_id", values: readonly string[]): Sql {
  if (values.length === 0) return sql``;
  const list = lit.inList(lit.strings(values));
  switch (column) {
    case "user_id":
      return sql`AND user_id IN ${list}`;
    case "device_id":
      return sql`AND device_id IN ${list}`;
    case "place_id":
      return sql`AND place_id IN ${list}`;
  }
}
