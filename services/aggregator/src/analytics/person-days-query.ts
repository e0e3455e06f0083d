import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { PersonDayPunches } from "../rules/timesheet-day.js";
import type { RulesSegment } from "../rules/rules-timeline.js";
import { anyOf, workDaySql } from "./work-day-sql.js";

interface Row {
  user_id: string;
  day: string;
  punches: string;
  first_wall: string;
  first_at: string;
  first_device: string;
  last_wall: string;
  last_at: string;
  last_device: string;
}

/** Work day -> user -> that person's punches (across all devices of the place). */
export type PersonDays = Map<string, Map<string, PersonDayPunches>>;

/**
 * The heavy grouping: per person and work day, the first and last punch on any device. No FINAL
 * is needed: min/max/argMin/argMax are the same with or without replayed duplicates, and
 * uniqExact(dedup_key) counts each punch once.
 */
export async function personDays(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<PersonDays> {
  const w = workDaySql(segments);
  const rows = await db.rows<Row>(sql`
    SELECT user_id, toString(${w.day}) AS day,
      uniqExact(dedup_key) AS punches,
      toUnixTimestamp(min(local_time)) AS first_wall,
      toUnixTimestamp(argMin(punched_at, local_time)) AS first_at,
      argMin(device_id, local_time) AS first_device,
      toUnixTimestamp(max(local_time)) AS last_wall,
      toUnixTimestamp(argMax(punched_at, local_time)) AS last_at,
      argMax(device_id, local_time) AS last_device
    FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}
    GROUP BY user_id, day`);
  const out: PersonDays = new Map();
  for (const r of rows) {
    let day = out.get(r.day);
    if (!day) out.set(r.day, (day = new Map()));
    day.set(r.user_id, {
      punches: Number(r.punches),
      firstWall: Number(r.first_wall),
      firstAt: Number(r.first_at),
      firstDevice: r.first_device,
      lastWall: Number(r.last_wall),
      lastAt: Number(r.last_at),
      lastDevice: r.last_device,
    });
  }
  return out;
}

/** Everyone who punched at the place on work days from..to. */
export async function punchers(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<string[]> {
  const w = workDaySql(segments);
  const rows = await db.rows<{ user_id: string }>(sql`
    SELECT DISTINCT user_id FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}`);
  return rows.map((r) => r.user_id);
}
