import { tsvString } from "@biometricflow/clickhouse";
import type { Punch } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";

/** The punches columns a journal punch fills, in the order punchLine writes them. */
export const PUNCH_COLUMNS = [
  "place_id",
  "dedup_key",
  "device_id",
  "device_sn",
  "user_id",
  "punched_at",
  "local_time",
  "punch_state",
  "verify_method",
  "source",
  "received_at",
  "source_offset",
  "trace_id",
] as const;

const wallRe = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** A DateTime as Unix seconds: ClickHouse reads that in TSV without any time-zone question. */
function seconds(p: Punch, field: string, d: Date | undefined): number {
  if (d === undefined) return 0;
  const ms = d.getTime();
  if (!Number.isFinite(ms)) throw new Error(`punch ${p.placeId}#${p.offset} has an invalid ${field}`);
  return Math.max(0, Math.floor(ms / 1000));
}

/**
 * The punches row for a journal punch, as one TabSeparated line (PUNCH_COLUMNS order): a string
 * per punch instead of an object and a JSON.stringify, which made most of the aggregator's CPU
 * and garbage during a catch-up. local_time goes as the device's "YYYY-MM-DDTHH:mm:ss", which
 * ClickHouse reads into the UTC-pinned column unchanged. A punch ClickHouse could not store (a
 * malformed or out-of-range wall clock) throws, which stalls this place's ingest loudly instead
 * of dropping the punch.
 */
export function punchLine(p: Punch): string {
  const m = wallRe.exec(p.localTime);
  const year = Number(m?.[1]);
  if (!m || year < 1970 || year > 2105) {
    throw new Error(
      `punch ${p.placeId}#${p.offset} has local_time ${JSON.stringify(p.localTime)}: cannot store it`,
    );
  }
  return (
    `${tsvString(p.placeId)}\t${tsvString(p.dedupKey)}\t${tsvString(p.deviceId)}\t` +
    `${tsvString(p.deviceSerial)}\t${tsvString(p.userId)}\t${seconds(p, "punched_at", p.punchedAt)}\t` +
    `${p.localTime}\t${p.punchState}\t${p.verifyMethod}\t${p.source}\t` +
    `${seconds(p, "received_at", p.receivedAt)}\t${p.offset}\t${traceIdOf(p.trace)}\n`
  );
}
