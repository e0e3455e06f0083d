import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { DeviceDayCounts } from "../rules/day-summary.js";
import type { RulesSegment } from "../rules/rules-timeline.js";
import { workDaySql } from "./work-day-sql.js";

/** Distinct punches and people per device and work day of one place (days by their own rules). */
export async function deviceDays(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
): Promise<DeviceDayCounts[]> {
  const w = workDaySql(segments);
  const rows = await db.rows<{
    day: string;
    device_id: string;
    serial: string;
    punches: string;
    people: string;
  }>(sql`
    SELECT toString(${w.day}) AS day, device_id, any(device_sn) AS serial,
      uniqExact(dedup_key) AS punches, uniqExact(user_id) AS people
    FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range}
    GROUP BY day, device_id`);
  return rows.map((r) => ({
    date: r.day,
    deviceId: r.device_id,
    deviceSerial: r.serial,
    punches: Number(r.punches),
    people: Number(r.people),
  }));
}
