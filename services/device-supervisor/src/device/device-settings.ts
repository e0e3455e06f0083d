import { DeviceTransport, type AssignedDevice } from "@biometricflow/proto";
import type { BackoffPolicy } from "../backoff.js";
import type { ClockSettings } from "../sync/clock.js";
import type { DeviceParams } from "./device-port.js";

/** How every device of this process behaves; shared by reference, not copied per device. */
export interface DeviceTuning {
  probeIntervalMs: number;
  probeTimeoutMs: number;
  defaultPullIntervalMs: number;
  backoff: BackoffPolicy;
  /** Retry interval after a failure that retrying will not fix soon (wrong comm key, wrong serial). */
  failedRetryMs: number;
  /** First connects are spread over this window. */
  startSpreadMs: number;
  /** Punches per IngestPunches call. */
  batchSize: number;
  /** Disable the keypad during a log read (pyzk/frappe practice; the read never loses punches). */
  lockDuringRead: boolean;
  /** Commands held for an offline device before new ones are refused. */
  maxQueuedCommands: number;
}

/** What one device is told by its place; changes arrive with every DeviceAssignment. */
export interface DeviceSettings {
  id: string;
  placeId: string;
  timezone: string;
  params: DeviceParams;
  /** Serial as configured; "" to accept whatever the device reports. */
  configuredSerial: string;
  pullIntervalMs: number;
  clear: { enabled: boolean; thresholdPercent: number };
  clock: ClockSettings;
}

const DEFAULT_CLOCK_CHECK_S = 600;
/** Below a minute, drift is read noise and round-trip time more than a wrong clock. */
const DEFAULT_THRESHOLD_S = 60;
const DEFAULT_MIN_CORRECTION_S = 3600;

export function deviceSettings(
  a: AssignedDevice,
  placeId: string,
  timezone: string,
  t: DeviceTuning,
): DeviceSettings {
  const d = a.device;
  const clock = a.clock;
  return {
    id: d?.id ?? "",
    placeId,
    timezone,
    params: {
      host: d?.host ?? "",
      port: d?.port || 4370,
      transport: d?.transport === DeviceTransport.DEVICE_TRANSPORT_UDP ? "udp" : "tcp",
      commKey: a.commKey,
    },
    configuredSerial: d?.serial ?? "",
    pullIntervalMs: d?.pullIntervalSeconds ? d.pullIntervalSeconds * 1000 : t.defaultPullIntervalMs,
    clear: {
      enabled: d?.clearPolicy?.enabled ?? false,
      thresholdPercent: Math.min(100, Math.max(1, d?.clearPolicy?.thresholdPercent || 80)),
    },
    clock: {
      checkIntervalMs: (clock?.checkIntervalSeconds || DEFAULT_CLOCK_CHECK_S) * 1000,
      autoCorrect: clock?.autoCorrect ?? false,
      thresholdSeconds: clock?.thresholdSeconds || DEFAULT_THRESHOLD_S,
      minCorrectionIntervalMs: (clock?.minCorrectionIntervalSeconds || DEFAULT_MIN_CORRECTION_S) * 1000,
    },
  };
}

export function sameParams(a: DeviceParams, b: DeviceParams): boolean {
  return a.host === b.host && a.port === b.port && a.transport === b.transport && a.commKey === b.commKey;
}
