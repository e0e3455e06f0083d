import { PunchSource, type CapturedPunch } from "@biometricflow/proto";
import type { TraceCarrier } from "@biometricflow/telemetry";
import type { AttendanceRecord, AttLogEvent } from "@biometricflow/zk";

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
  };
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
  };
}
