import { lit, sql } from "@biometricflow/clickhouse";
import type { GetPunchHeatmapRequest, GetPunchHeatmapResponse, HeatmapCell } from "@biometricflow/proto";
import { addDays } from "../rules/calendar.js";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { validIds, validScope } from "./requests.js";
import { anyOf } from "./work-day-sql.js";

/** Distinct punches by weekday (0 Sunday) and hour of each place's own wall clock. */
export async function getPunchHeatmap(
  d: AnalyticsDeps,
  req: GetPunchHeatmapRequest,
): Promise<GetPunchHeatmapResponse> {
  const scope = validScope(req.scope, d.book, d.limits.maxRangeDays);
  const userIds = validIds(req.userIds, "user_ids");
  const deviceIds = validIds(req.deviceIds, "device_ids");
  const placeIds = scope.places.map((k) => k.place.id);
  const rows = await d.db.rows<{ weekday: number; hour: number; punches: string }>(sql`
    SELECT toDayOfWeek(local_time) % 7 AS weekday, toHour(local_time) AS hour, count() AS punches
    FROM ${d.db.table("punches")} FINAL
    WHERE place_id IN ${lit.inList(lit.strings(placeIds))}
      AND local_time >= ${lit.dateTime(`${scope.from} 00:00:00`)}
      AND local_time < ${lit.dateTime(`${addDays(scope.to, 1)} 00:00:00`)}
      ${anyOf("user_id", userIds)} ${anyOf("device_id", deviceIds)}
    GROUP BY weekday, hour`);
  const counts = new Map(rows.map((r) => [Number(r.weekday) * 24 + Number(r.hour), Number(r.punches)]));
  const cells: HeatmapCell[] = Array.from({ length: 168 }, (_, i) => ({
    weekday: Math.floor(i / 24),
    hour: i % 24,
    punches: counts.get(i) ?? 0,
  }));
  return { cells, total: cells.reduce((n, c) => n + c.punches, 0) };
}
