import { joinSql, lit, sql, type Sql } from "@biometricflow/clickhouse";
import { formatWall } from "../rules/calendar.js";
import type { RulesSegment } from "../rules/rules-timeline.js";
import { dayStartOffsetSeconds } from "../rules/work-rules.js";

const wall = (seconds: number): Sql => lit.dateTime(formatWall(seconds).replace("T", " "));

/**
 * SQL pieces that place punches on work days (see dayStartOffsetSeconds), each run of days by the
 * rules in force on it (RulesTimeline.segments): the work day of a punch, and the local_time range
 * that holds the days. local_time is the wall clock stored as DateTime('UTC'), so toDate() of it
 * is the wall-clock date with no zone involved.
 */
export function workDaySql(segments: readonly RulesSegment[]): { day: Sql; range: Sql } {
  if (segments.length === 0) throw new Error("workDaySql needs at least one segment");
  const dayIn = (s: RulesSegment, i: number): Sql => {
    const day = sql`toDate(addSeconds(local_time, ${lit.int32(-dayStartOffsetSeconds(s.rules))}))`;
    // A later run may start earlier in its first day than its rules would (see segments()).
    return i === 0 ? day : sql`greatest(${day}, ${lit.date(s.from)})`;
  };
  const last = segments.length - 1;
  const day =
    last === 0
      ? dayIn(segments[0]!, 0)
      : sql`multiIf(${joinSql(
          segments.slice(0, last).map((s, i) => sql`local_time < ${wall(s.hi)}, ${dayIn(s, i)}`),
          ", ",
        )}, ${dayIn(segments[last]!, last)})`;
  return {
    day,
    range: sql`local_time >= ${wall(segments[0]!.lo)} AND local_time < ${wall(segments[last]!.hi)}`,
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
