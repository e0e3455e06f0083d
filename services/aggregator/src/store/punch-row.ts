import type { Punch } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";

/** A punches row as JSONEachRow (DateTime columns as "YYYY-MM-DD HH:mm:ss" in UTC). */
export interface PunchRow {
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
  source_offset: number;
  trace_id: string;
}

const wallRe = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

function utc(d: Date | undefined): string {
  return (d ?? new Date(0)).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The row for a journal punch. A punch ClickHouse could not store (a malformed or out-of-range
 * wall clock) throws, which stalls this place's ingest loudly instead of dropping the punch.
 */
export function punchRow(p: Punch): PunchRow {
  const m = wallRe.exec(p.localTime);
  const year = Number(m?.[1]);
  if (!m || year < 1970 || year > 2105) {
    throw new Error(
      `punch ${p.placeId}#${p.offset} has local_time ${JSON.stringify(p.localTime)}: cannot store it`,
    );
  }
  return {
    place_id: p.placeId,
    dedup_key: p.dedupKey,
    device_id: p.deviceId,
    device_sn: p.deviceSerial,
    user_id: p.userId,
    punched_at: utc(p.punchedAt),
    local_time: p.localTime.replace("T", " "),
    punch_state: p.punchState,
    verify_method: p.verifyMethod,
    source: p.source,
    received_at: utc(p.receivedAt),
    source_offset: p.offset,
    trace_id: traceIdOf(p.trace),
  };
}
