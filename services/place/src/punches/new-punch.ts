import { InvalidArgumentError } from "@biometricflow/grpc-kit";
import { PunchSource, type CapturedPunch } from "@biometricflow/proto";
import { isPrintable } from "../printable.js";
import { parseWallClock, wallClockToUtcMs } from "../time/local-time.js";
import type { OffsetSource } from "../time/zone-offsets.js";
import { dedupKey } from "./dedup-key.js";

/** A validated punch, ready to store: everything but its offset. */
export interface NewPunch {
  dedupKey: string;
  deviceId: string;
  deviceSerial: string;
  userId: string;
  localTime: string;
  punchedAtMs: number;
  punchState: number;
  verifyMethod: number;
  receivedAtMs: number;
  source: PunchSource;
  traceparent: string;
  tracestate: string;
}

export interface PunchOrigin {
  deviceId: string;
  deviceSerial: string;
  zone: OffsetSource;
  nowMs: number;
  /** The ingest call's own trace, for punches that carry none. */
  trace: { traceparent: string; tracestate: string };
}

/** The end of ClickHouse's DateTime (UInt32 seconds): analytics cannot hold a later punch. */
const LAST_INSTANT_MS = 2 ** 32 * 1000;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const SOURCES = new Set([
  PunchSource.PUNCH_SOURCE_DEVICE_PULL,
  PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
  PunchSource.PUNCH_SOURCE_ADMS,
  PunchSource.PUNCH_SOURCE_MANUAL,
]);

/** A record the source could not decode (CapturedPunch.raw_record / unreadable_reason). */
export function isUnreadable(p: CapturedPunch): boolean {
  // Optional chaining: in-process callers may build a CapturedPunch without the newer fields.
  return (p.unreadableReason ?? "") !== "" || (p.rawRecord?.length ?? 0) > 0;
}

/** Validate one captured punch (`where` names it in errors) and derive its key and UTC instant. */
export function toNewPunch(p: CapturedPunch, o: PunchOrigin, where: string): NewPunch {
  const bad = (field: string, why: string): InvalidArgumentError =>
    new InvalidArgumentError(`${where}.${field}: ${why}`);
  // A record the source could not decode is never a punch: it is set aside with its bytes.
  if (isUnreadable(p)) {
    throw bad(
      "raw_record",
      `the device's record could not be read: ${p.unreadableReason || "no reason given"}`,
    );
  }
  if (p.userId === "" || p.userId.length > 64 || !isPrintable(p.userId)) {
    throw bad("user_id", `must be 1-64 printable characters, got ${JSON.stringify(p.userId)}`);
  }
  const wall = parseWallClock(p.localTime);
  if (!wall)
    throw bad("local_time", `must be a real "YYYY-MM-DDTHH:mm:ss" time, got ${JSON.stringify(p.localTime)}`);
  const punchedAtMs = wallClockToUtcMs(wall.asUtcMs, o.zone);
  if (punchedAtMs < 0 || punchedAtMs >= LAST_INSTANT_MS)
    throw bad("local_time", `must be in the years 1970-2105, got ${JSON.stringify(p.localTime)}`);
  if (p.punchState > 255) throw bad("punch_state", `must be 0-255, got ${p.punchState}`);
  if (p.verifyMethod > 255) throw bad("verify_method", `must be 0-255, got ${p.verifyMethod}`);
  if (!SOURCES.has(p.source)) throw bad("source", `must name where the punch came from, got ${p.source}`);
  const receivedAtMs = p.receivedAt ? p.receivedAt.getTime() : o.nowMs;
  if (!Number.isFinite(receivedAtMs)) throw bad("received_at", "is not a valid time");
  // Trace context is a diagnostic: a malformed one is replaced, never a reason to drop a punch.
  const trace = p.trace && TRACEPARENT.test(p.trace.traceparent) ? p.trace : o.trace;
  return {
    dedupKey: dedupKey(o.deviceSerial, p.userId, wall.text, p.punchState),
    deviceId: o.deviceId,
    deviceSerial: o.deviceSerial,
    userId: p.userId,
    localTime: wall.text,
    punchedAtMs,
    punchState: p.punchState,
    verifyMethod: p.verifyMethod,
    receivedAtMs,
    source: p.source,
    traceparent: trace.traceparent,
    tracestate: trace.tracestate.slice(0, 512),
  };
}
