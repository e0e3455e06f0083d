import type { WallClock } from "@biometricflow/zk";
import type { DevicePort } from "../device/device-port.js";
import type { DeviceLink } from "../link/device-link.js";
import { clockDrift, correctionDue, isKnownZone, placeWallClock, type ClockSettings } from "./clock.js";

export interface ClockCheck {
  port: DevicePort;
  link: DeviceLink;
  deviceId: string;
  timezone: string;
  policy: ClockSettings;
  lastCorrectionAt: number;
  actor: string;
}

export interface ClockReading {
  /** Device minus place, after any correction; undefined when the place's zone is unknown. */
  driftSeconds: number | undefined;
  /** When the clock was corrected by this check (ms), else undefined. */
  correctedAt: number | undefined;
}

/** Read the device clock, compare it with the place's wall clock, correct it when the policy says so. */
export async function checkClock(c: ClockCheck): Promise<ClockReading> {
  const device = await c.port.getTime();
  if (!isKnownZone(c.timezone)) return { driftSeconds: undefined, correctedAt: undefined };
  const drift = clockDrift(device, placeWallClock(c.timezone));
  const now = Date.now();
  if (!correctionDue(drift, c.policy, c.lastCorrectionAt, now))
    return { driftSeconds: drift, correctedAt: undefined };
  const after = await setPlaceTime(c.port, c.timezone);
  await c.link.audit({
    deviceId: c.deviceId,
    actor: c.actor,
    action: "device.clock.correct",
    detail: `clock was ${device} (${drift > 0 ? "+" : ""}${drift} s), set to ${after} ${c.timezone}`,
  });
  return { driftSeconds: 0, correctedAt: now };
}

/** Set the device clock to the place's wall clock now; returns what was written. */
export async function setPlaceTime(port: DevicePort, timezone: string): Promise<WallClock> {
  const now = placeWallClock(timezone);
  await port.setTime(now);
  return now;
}
