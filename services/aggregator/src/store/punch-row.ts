import { MAX_DATETIME, putString, putUInt32, putUInt64, putUInt8 } from "@biometricflow/clickhouse";
import type { Punch } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";
import type { RowBinaryBatch } from "../ingest/row-binary-batch.js";

/** The punches columns a journal punch fills, in the order a row is written (RowBinary). */
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

const wallRe = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** The wall clock "YYYY-MM-DDTHH:mm:ss" read as UTC, in seconds, or NaN. */
export function wallSeconds(localTime: string): number {
  const m = wallRe.exec(localTime);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
}

// local_time's range as the place validates it: the years 1970 to 2105.
const LOCAL_MAX = Date.UTC(2106, 0, 1) / 1000;

// The checks that ClickHouse can store a punch's values as its columns' types, naming the punch
// when it cannot: a refused punch stalls this place's ingest loudly instead of being stored wrong.

/** The local time (wall-clock seconds) as a DateTime: the years 1970 to 2105. */
export function localTimeOf(seconds: number, shown: string | number, place: string, offset: number): number {
  if (seconds >= 0 && seconds < LOCAL_MAX && Number.isInteger(seconds)) return seconds;
  const what = typeof shown === "string" ? JSON.stringify(shown) : `${shown} (seconds)`;
  throw new Error(`punch ${place}#${offset} has local_time ${what}: cannot store it`);
}

/** An instant in ms as DateTime seconds (before 1970: 0, as ClickHouse would clamp it). */
export function instantOf(ms: number, field: string, place: string, offset: number): number {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s <= MAX_DATETIME) return s;
  throw new Error(`punch ${place}#${offset} has an invalid ${field} (${ms} ms): cannot store it`);
}

/** A PunchSource as UInt8. */
export function sourceOf(n: number, place: string, offset: number): number {
  if (n >= 0 && n <= 255 && Number.isInteger(n)) return n;
  throw new Error(`punch ${place}#${offset} has source ${n}: cannot store it`);
}

/**
 * A journal punch from a Punch message as a punches row in RowBinary (PUNCH_COLUMNS order),
 * appended to `out`. local_time is the device's "YYYY-MM-DDTHH:mm:ss" read as UTC, which the
 * UTC-pinned column keeps unchanged. A punch ClickHouse could not store (a malformed or
 * out-of-range wall clock, an invalid instant) throws before anything is written.
 */
export function writePunchRow(p: Punch, out: RowBinaryBatch): void {
  const { placeId, offset } = p;
  const local = localTimeOf(wallSeconds(p.localTime), p.localTime, placeId, offset);
  const punched = instantOf(p.punchedAt?.getTime() ?? 0, "punched_at", placeId, offset);
  const received = instantOf(p.receivedAt?.getTime() ?? 0, "received_at", placeId, offset);
  const source = sourceOf(p.source, placeId, offset);
  const traceId = traceIdOf(p.trace);
  const strings = p.placeId.length + p.dedupKey.length + p.deviceId.length + p.deviceSerial.length;
  const buf = out.reserve(6 * 5 + 3 * (strings + p.userId.length + traceId.length) + 5 * 4 + 1 + 8);
  let pos = out.length;
  pos = putString(buf, pos, p.placeId);
  pos = putString(buf, pos, p.dedupKey);
  pos = putString(buf, pos, p.deviceId);
  pos = putString(buf, pos, p.deviceSerial);
  pos = putString(buf, pos, p.userId);
  pos = putUInt32(buf, pos, punched);
  pos = putUInt32(buf, pos, local);
  pos = putUInt32(buf, pos, p.punchState);
  pos = putUInt32(buf, pos, p.verifyMethod);
  pos = putUInt8(buf, pos, source);
  pos = putUInt32(buf, pos, received);
  pos = putUInt64(buf, pos, p.offset);
  pos = putString(buf, pos, traceId);
  out.endRow(pos, p.offset);
}
