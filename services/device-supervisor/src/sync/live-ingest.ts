import { currentTraceCarrier } from "@biometricflow/telemetry";
import type { AttLogEvent } from "@biometricflow/zk";
import type { DeviceLink } from "../link/device-link.js";
import { inSpan } from "../tracing.js";
import { livePunch } from "./punches.js";

/**
 * Send one realtime punch; the link coalesces it with the other devices' punches. It carries no
 * cursor: the tally of live punches moves the cursor once a count confirms their place in the
 * log (live-tally.ts); until then a pull may send the same punch again, recognised by its key.
 */
export function ingestLive(
  link: DeviceLink,
  deviceId: string,
  serial: string,
  event: AttLogEvent,
): Promise<void> {
  return inSpan("device.live_punch", { "device.id": deviceId }, () => {
    const punch = livePunch(event, new Date(), currentTraceCarrier());
    return link.ingestLive({ deviceId, deviceSerial: serial, punches: [punch], cursor: undefined });
  });
}
