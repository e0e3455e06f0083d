import { PunchSource, type CapturedPunch } from "@biometricflow/proto";
import type { TraceCarrier } from "@biometricflow/telemetry";
import {
  isUnreadableRecord,
  type AttendanceLogEntry,
  type AttendanceRecord,
  type AttLogEvent,
  type UnreadableAttendanceRecord,
} from "@biometricflow/zk";

/** A log record read from the device, as the place ingests it. */
export function pulledPunch(r: AttendanceRecord, receivedAt: Date, trace: TraceCarrier): CapturedPunch {
  return {
    userId: r.userId,
    localTime: r.timestamp,
    punchState: r.punch,
    verifyMethod: r.verify,
    source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    receivedAt,
    trace,
    deviceUid: r.uid,
    rawRecord: Buffer.alloc(0),
    unreadableReason: "",
  };
}

/**
 * A log record that could not be decoded: sent all the same, with its bytes and the reason, so
 * the place sets it aside in its audit log (`punch.rejected`) and the cursor moves past it.
 */
export function unreadablePunch(
  u: UnreadableAttendanceRecord,
  receivedAt: Date,
  trace: TraceCarrier,
): CapturedPunch {
  return {
    userId: "",
    localTime: "",
    punchState: 0,
    verifyMethod: 0,
    source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    receivedAt,
    trace,
    deviceUid: 0,
    rawRecord: Buffer.from(u.bytes, "hex"),
    unreadableReason: `log record ${u.index}: ${u.reason}`,
  };
}

/** One position of a pulled log, readable or not, as the place ingests it. */
export function pulledEntry(e: AttendanceLogEntry, receivedAt: Date, trace: TraceCarrier): CapturedPunch {
  return isUnreadableRecord(e) ? unreadablePunch(e, receivedAt, trace) : pulledPunch(e, receivedAt, trace);
}

/** A realtime event; it carries no device slot. Same identity as its later pulled copy. */
export function livePunch(e: AttLogEvent, receivedAt: Date, trace: TraceCarrier): CapturedPunch {
  return {
    userId: e.userId,
    localTime: e.timestamp,
    punchState: e.punch,
    verifyMethod: e.verify,
    source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
    receivedAt,
    trace,
    deviceUid: 0,
    rawRecord: Buffer.alloc(0),
    unreadableReason: "",
  };
}
