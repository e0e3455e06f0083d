import { lit, sql } from "@biometricflow/clickhouse";
import type { DeviceHealth, GetDeviceHealthRequest, GetDeviceHealthResponse } from "@biometricflow/proto";
import { DateTime } from "luxon";
import { addDays } from "../rules/calendar.js";
import { deviceHealth, type StateChange } from "../rules/device-health.js";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { validIds, validScope } from "./requests.js";
import { anyOf } from "./work-day-sql.js";

interface Row {
  device_id: string;
  state: number;
  since_ms: string;
  detail: string;
}

const change = (r: Row): StateChange => ({
  state: Number(r.state),
  sinceMs: Number(r.since_ms),
  detail: r.detail,
});

/** Each device's states over the calendar days of the range, in its place's time zone. */
export async function getDeviceHealth(
  d: AnalyticsDeps,
  req: GetDeviceHealthRequest,
): Promise<GetDeviceHealthResponse> {
  const scope = validScope(req.scope, d.book, d.limits.maxRangeDays);
  const deviceIds = validIds(req.deviceIds, "device_ids");
  const now = Date.now();
  const perPlace = await Promise.all(
    scope.places.map(async ({ place }) => {
      const zone = place.timezone || "UTC";
      const fromMs = DateTime.fromISO(`${scope.from}T00:00:00`, { zone }).toMillis();
      const toMs = DateTime.fromISO(`${addDays(scope.to, 1)}T00:00:00`, { zone }).toMillis();
      const where = sql`place_id = ${lit.string(place.id)} ${anyOf("device_id", deviceIds)}`;
      const table = d.db.table("device_states");
      // Aliases must not reuse column names: ClickHouse aliases are visible in the whole query.
      const [before, inRange] = await Promise.all([
        d.db.rows<{ device_id: string; last_state: number; last_since_ms: string; last_detail: string }>(sql`
          SELECT device_id, argMax(state, since_ms) AS last_state, max(since_ms) AS last_since_ms,
            argMax(detail, since_ms) AS last_detail
          FROM ${table} WHERE ${where} AND since_ms < ${lit.uint64(fromMs)} GROUP BY device_id`),
        d.db.rows<Row>(sql`
          SELECT device_id, state, since_ms, detail FROM ${table} FINAL
          WHERE ${where} AND since_ms >= ${lit.uint64(fromMs)} AND since_ms < ${lit.uint64(toMs)}
          ORDER BY device_id, since_ms`),
      ]);
      const ids = [
        ...new Set([...before.map((r) => r.device_id), ...inRange.map((r) => r.device_id)]),
      ].sort();
      return ids.map((deviceId): DeviceHealth => {
        const last = before.find((r) => r.device_id === deviceId);
        const first = last && {
          device_id: deviceId,
          state: last.last_state,
          since_ms: last.last_since_ms,
          detail: last.last_detail,
        };
        const changes = inRange.filter((r) => r.device_id === deviceId).map(change);
        const h = deviceHealth(first && change(first), changes, fromMs, toMs, now);
        return {
          placeId: place.id,
          deviceId,
          changes: h.changes.map((c) => ({ state: c.state, since: new Date(c.sinceMs), detail: c.detail })),
          liveShare: h.liveShare,
          failures: h.failures,
        };
      });
    }),
  );
  return { devices: perPlace.flat() };
}
