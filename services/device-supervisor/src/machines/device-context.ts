import { DeviceState, type DeviceCommand } from "@biometricflow/proto";
import type { DeviceCounts, DevicePort } from "../device/device-port.js";
import type { DeviceSettings, DeviceTuning } from "../device/device-settings.js";
import type { Limiter } from "../limiter.js";
import type { DeviceLink } from "../link/device-link.js";
import type { Cursor } from "../sync/cursor.js";
import { LiveTally } from "../sync/live-tally.js";

/** The little a logger must do for a device actor. */
export interface DeviceLog {
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface DeviceInput {
  settings: DeviceSettings;
  /** What the place holds of this device's log. */
  cursor: Cursor;
  /** When the clock was last corrected (ms; the place's audit log), 0 if never. */
  lastCorrectionAt: number;
  port: DevicePort;
  link: DeviceLink;
  /** Shared by every device of the process. */
  tuning: DeviceTuning;
  /** Process-wide: how many devices may hold their log in memory (read until acknowledged). */
  syncSlots: Limiter;
  random: () => number;
  log: DeviceLog;
}

/**
 * Per-device memory: a few numbers and strings plus references to shared objects. 10,000 of
 * these must stay small, so no records, buffers or timers live here.
 */
export interface DeviceContext extends DeviceInput {
  serial: string;
  firmware: string;
  counts: DeviceCounts;
  /** Device minus place clock; undefined until read (or when the place's zone is unknown). */
  driftSeconds: number | undefined;
  /** The reported state, since when, and why. */
  state: DeviceState;
  since: number;
  detail: string;
  failures: number;
  retryDelayMs: number;
  lastSyncAt: number;
  lastSeenAt: number;
  /** Due times (ms) of the periodic work in live; one timer waits for the earliest. */
  nextProbeAt: number;
  nextPullAt: number;
  nextClockAt: number;
  /** Realtime punches received and stored: lets a probe or pull tell whether the log holds anything new. */
  live: LiveTally;
  commands: DeviceCommand[];
}

export type DeviceEvent =
  | { type: "CONFIGURE"; settings: DeviceSettings }
  | { type: "COMMAND"; command: DeviceCommand }
  | { type: "REMOVE" }
  | { type: "SHUTDOWN" }
  | { type: "CURSOR"; cursor: Cursor }
  | { type: "LIVE_INGEST_FAILED" }
  | { type: "LIVE_FAILED"; error: unknown }
  | { type: "DISCONNECTED"; error?: Error }
  | { type: "TIMER" };

export function initialContext(input: DeviceInput): DeviceContext {
  return {
    ...input,
    serial: "",
    firmware: "",
    counts: { users: 0, records: 0, recordsCapacity: 0 },
    driftSeconds: undefined,
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    since: Date.now(),
    detail: "",
    failures: 0,
    retryDelayMs: 0,
    lastSyncAt: 0,
    lastSeenAt: 0,
    nextProbeAt: 0,
    nextPullAt: 0,
    nextClockAt: 0,
    live: new LiveTally(),
    commands: [],
  };
}
