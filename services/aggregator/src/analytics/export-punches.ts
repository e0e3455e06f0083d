import { lit, sql } from "@biometricflow/clickhouse";
import type { ExportPunchesRequest, ExportPunchesResponse, Punch } from "@biometricflow/proto";
import { addDays } from "../rules/calendar.js";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { validIds, validScope } from "./requests.js";
import { anyOf } from "./work-day-sql.js";

interface Row {
  place_id: string;
  dedup_key: string;
  device_id: string;
  device_sn: string;
  user_id: string;
  punched_at: string;
  local_time: string;
  punch_state: number;
  verify_method: number;
  source: number;
  received_at: string;
  source_offset: string;
}

const utc = (s: string): Date => new Date(`${s.replace(" ", "T")}Z`);

function toPunch(r: Row): Punch {
  return {
    placeId: r.place_id,
    deviceId: r.device_id,
    deviceSerial: r.device_sn,
    userId: r.user_id,
    localTime: r.local_time.replace(" ", "T"),
    punchedAt: utc(r.punched_at),
    punchState: Number(r.punch_state),
    verifyMethod: Number(r.verify_method),
    receivedAt: utc(r.received_at),
    dedupKey: r.dedup_key,
    offset: Number(r.source_offset),
    trace: undefined,
    source: Number(r.source),
  };
}

const BATCH = 1000;

/**
 * Every distinct punch of the places on the calendar days (wall clock) of the range, streamed
 * from ClickHouse as it sends them: memory stays at one batch whatever the range.
 */
export async function* exportPunches(
  d: AnalyticsDeps,
  req: ExportPunchesRequest,
  signal: AbortSignal,
): AsyncGenerator<ExportPunchesResponse> {
  const scope = validScope(req.scope, d.book, d.limits.maxRangeDays);
  const userIds = validIds(req.userIds, "user_ids");
  const deviceIds = validIds(req.deviceIds, "device_ids");
  const query = sql`
    SELECT place_id, dedup_key, device_id, device_sn, user_id, punched_at, local_time, punch_state,
      verify_method, source, received_at, source_offset
    FROM ${d.db.table("punches")} FINAL
    WHERE place_id IN ${lit.inList(lit.strings(scope.places.map((k) => k.place.id)))}
      AND local_time >= ${lit.dateTime(`${scope.from} 00:00:00`)}
      AND local_time < ${lit.dateTime(`${addDays(scope.to, 1)} 00:00:00`)}
      ${anyOf("user_id", userIds)} ${anyOf("device_id", deviceIds)}
    ORDER BY place_id, local_time, device_id, user_id`;
  let batch: Punch[] = [];
  for await (const rows of d.db.stream<Row>(query, signal)) {
    for (const r of rows) {
      batch.push(toPunch(r));
      if (batch.length >= BATCH) {
        yield { punches: batch };
        batch = [];
      }
    }
  }
  if (batch.length) yield { punches: batch };
}
