import { DeviceState, type DeviceStatus } from "@biometricflow/proto";
import type { DeviceContext } from "./device-context.js";

const at = (ms: number): Date | undefined => (ms > 0 ? new Date(ms) : undefined);

/** What the place is told about a device: a pure view of its actor's context. */
export function deviceStatus(c: DeviceContext): DeviceStatus {
  const retrying =
    c.state === DeviceState.DEVICE_STATE_BACKING_OFF || c.state === DeviceState.DEVICE_STATE_FAILED;
  return {
    deviceId: c.settings.id,
    state: c.state,
    stateSince: new Date(c.since),
    detail: c.detail,
    serialNumber: c.serial,
    firmware: c.firmware,
    recordsOnDevice: c.counts.records,
    recordsCapacity: c.counts.recordsCapacity,
    usersOnDevice: c.counts.users,
    clockDriftSeconds: c.driftSeconds ?? 0,
    recordsIngested: c.cursor.recordsIngested,
    lastSyncAt: at(c.lastSyncAt),
    lastSeenAt: at(Math.max(c.lastSeenAt, c.live.lastPunchAt)),
    consecutiveFailures: c.failures,
    nextRetryAt: retrying ? new Date(c.since + c.retryDelayMs) : undefined,
  };
}
