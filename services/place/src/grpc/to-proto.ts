import { DeviceTransport, type Device, type Place, type Punch, type User } from "@biometricflow/proto";
import type { DeviceConfig, PlaceConfig } from "../config.js";
import type { PunchRow } from "../journal/punch-table.js";
import type { UserRow } from "../journal/user-table.js";

export function punchToProto(r: PunchRow): Punch {
  return {
    placeId: r.placeId,
    deviceId: r.deviceId,
    deviceSerial: r.deviceSerial,
    userId: r.userId,
    localTime: r.localTime,
    punchedAt: new Date(r.punchedAtMs),
    punchState: r.punchState,
    verifyMethod: r.verifyMethod,
    receivedAt: new Date(r.receivedAtMs),
    dedupKey: r.dedupKey,
    offset: r.offset,
    trace: { traceparent: r.traceparent, tracestate: r.tracestate },
    source: r.source,
  };
}

/** A configured device as the API shows it (no comm key: that goes to supervisors only). */
export function deviceToProto(d: DeviceConfig): Device {
  return {
    id: d.id,
    name: d.name ?? d.id,
    serial: d.serial,
    host: d.host,
    port: d.port,
    transport:
      d.transport === "udp" ? DeviceTransport.DEVICE_TRANSPORT_UDP : DeviceTransport.DEVICE_TRANSPORT_TCP,
    pullIntervalSeconds: d.pullIntervalSeconds,
    clearPolicy: d.clearPolicy,
  };
}

export function placeToProto(c: PlaceConfig): Place {
  return { id: c.id, name: c.name, timezone: c.timezone, rules: c.rules };
}

export function userToProto(u: UserRow): User {
  return {
    userId: u.userId,
    name: u.name,
    privilege: u.privilege,
    card: u.card,
    disabled: u.disabled,
    updatedAt: new Date(u.updatedAtMs),
  };
}
