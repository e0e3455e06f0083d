import { currentTraceCarrier } from "@biometricflow/telemetry";
import type { AttLogEvent } from "@biometricflow/zk";
import type { DeviceLink } from "../link/device-link.js";
import { inSpan } from "../tracing.js";
import { livePunch } from "./punches.js";

/**
 * Send one realtime punch at once. It carries no cursor: its position in the log is unknown, and
 * the next pull sends the same punch again, which the place recognises by its key.
 */
export function ingestLive(
  link: DeviceLink,
  deviceId: string,
  serial: string,
  event: AttLogEvent,
): Promise<void> {
  return inSpan("device.live_punch", { "device.id": deviceId }, async () => {
    const punch = livePunch(event, new Date(), currentTraceCarrier());
    await link.ingest({ deviceId, deviceSerial: serial, punches: [punch], cursor: undefined });
  });
}
