import type { DevicePort } from "../device/device-port.js";
import type { Limiter } from "../limiter.js";
import type { DeviceLink } from "../link/device-link.js";
import type { Cursor } from "./cursor.js";
import type { LiveTally } from "./live-tally.js";

/** One device as the sync routines see it. */
export interface SyncTarget {
  deviceId: string;
  /** The serial the device reported: part of every punch's identity at the place. */
  serial: string;
  port: DevicePort;
  link: DeviceLink;
  batchSize: number;
  /**
   * Process-wide slots for holding a device log in memory, from the read until the place has
   * acknowledged it. Without them a fleet reconnecting together reads every log at once.
   */
  slots: Limiter;
  lockDuringRead: boolean;
  /** Aborted when the actor leaves the state: stop at the next step, never half-way through a clear. */
  signal: AbortSignal;
  /** What live capture delivered since the cursor: lets a pull skip reading the log. */
  live: LiveTally;
  /** Called after each acknowledged batch with the cursor the place now holds. */
  onAck(cursor: Cursor): void;
}

export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new Error("stopped: the device actor left this state");
}
