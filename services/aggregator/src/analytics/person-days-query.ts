import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { RulesSegment } from "../rules/rules-timeline.js";
import type { PersonDayPunches } from "../rules/timesheet-day.js";
import { anyOf, workDaySql } from "./work-day-sql.js";

/**
 * Per person: their work days (days since 1970) and, per day, punches, first and last punch
 * (wall-clock seconds after the day's midnight), real seconds between them, first and last device.
 */
type Row = [string, number[], number[], number[], number[], number[], string[], string[]];

/** Per person who punched: their work days (days since 1970) and each day's punches. */
export type PersonDays = Map<string, { days: number[]; punches: PersonDayPunches[] }>;

/**
 * The heavy grouping: per person and work day, the first and last punch on any device. No FINAL
 * is needed: min/max/argMin/argMax are the same with or without replayed duplicates, and
 * uniqExact(dedup_key) counts each punch once. A month of a large place is tens of thousands of
 * person-days: they come as one row per person with a small array per column, numbers relative
 * to the day, which is several times less to send, parse and collect than a row per person-day.
 */
export async function personDays(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<PersonDays> {
  const w = workDaySql(segments);
  const rows = await db.arrays<Row>(sql`
    SELECT user_id, groupArray(day), groupArray(punches), groupArray(first_wall), groupArray(last_wall),
      groupArray(elapsed), groupArray(first_device), groupArray(last_device)
    FROM (
      SELECT user_id, toUInt16(${w.day}) AS day,
        toUInt32(uniqExact(dedup_key)) AS punches,
        toInt32(toUInt32(min(local_time)) - day * 86400) AS first_wall,
        toInt32(toUInt32(max(local_time)) - day * 86400) AS last_wall,
        toInt32(toUInt32(argMax(punched_at, local_time))) - toInt32(toUInt32(argMin(punched_at, local_time)))
          AS elapsed,
        argMin(device_id, local_time) AS first_device,
        argMax(device_id, local_time) AS last_device
      FROM ${db.table("punches")}
      WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}
      GROUP BY user_id, day
    )
    GROUP BY user_id`);
  const out: PersonDays = new Map();
  for (const [userId, days, punches, firsts, lasts, elapsed, firstDevices, lastDevices] of rows) {
    out.set(userId, {
      days,
      punches: days.map((day, i) => ({
        punches: punches[i]!,
        firstWall: day * 86_400 + firsts[i]!,
        firstDevice: firstDevices[i]!,
        lastWall: day * 86_400 + lasts[i]!,
        lastDevice: lastDevices[i]!,
        elapsedSeconds: elapsed[i]!,
      })),
    });
  }
  return out;
}

/** Everyone who punched at the place on work days of the segments. */
export async function punchers(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<string[]> {
  const w = workDaySql(segments);
  const rows = await db.arrays<[string]>(sql`
    SELECT DISTINCT user_id FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}`);
  return rows.map((r) => r[0]);
}
