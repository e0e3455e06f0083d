import { backoffDelay, spread } from "../backoff.js";
import type { DeviceCounts, DeviceIdentity } from "../device/device-port.js";
import type { ClearResult } from "../sync/clear-log.js";
import type { ClockReading } from "../sync/clock-check.js";
import type { CommandOutcome } from "../sync/commands.js";
import { liveVerdict } from "../sync/live-tally.js";
import type { PullResult } from "../sync/pull.js";
import type { DeviceContext } from "./device-context.js";

// The device machine's arithmetic: guards, delays and context updates, all pure functions of
// the context and what an actor answered.

/** Periodic work is spread by this share of its interval so a fleet does not move in step. */
const PERIOD_SPREAD = 0.1;

export const clearDue = (c: DeviceContext, counts: DeviceCounts): boolean =>
  c.settings.clear.enabled &&
  counts.recordsCapacity > 0 &&
  counts.records * 100 >= c.settings.clear.thresholdPercent * counts.recordsCapacity;

export const serialMismatch = (c: DeviceContext, id: DeviceIdentity): boolean =>
  c.settings.configuredSerial !== "" &&
  id.serialNumber !== "" &&
  id.serialNumber !== c.settings.configuredSerial;

/** First connects of a fleet spread over the start window. */
export function startDelay(c: DeviceContext): number {
  return Math.round(c.random() * c.tuning.startSpreadMs);
}

/** Until the earliest periodic task of live is due. */
export function nextDue(c: DeviceContext): number {
  return Math.max(0, Math.min(c.nextProbeAt, c.nextPullAt, c.nextClockAt) - Date.now());
}

export function backedOff(c: DeviceContext): Partial<DeviceContext> {
  return { failures: c.failures + 1, retryDelayMs: backoffDelay(c.failures + 1, c.tuning.backoff, c.random) };
}

export function failedSlowly(c: DeviceContext): Partial<DeviceContext> {
  return { failures: c.failures + 1, retryDelayMs: spread(c.tuning.failedRetryMs, PERIOD_SPREAD, c.random) };
}

/** Entering live: failures forgotten, the periodic work scheduled. */
export function wentLive(c: DeviceContext): Partial<DeviceContext> {
  const now = Date.now();
  return {
    failures: 0,
    // The first probe soon and at a random phase: it also notices punches made between the
    // catch-up read and the live registration.
    nextProbeAt: now + Math.round(c.random() * c.tuning.probeIntervalMs),
    nextPullAt: now + spread(c.settings.pullIntervalMs, PERIOD_SPREAD, c.random),
    nextClockAt: now + spread(c.settings.clock.checkIntervalMs, PERIOD_SPREAD, c.random),
  };
}

export function identified(c: DeviceContext, id: DeviceIdentity): Partial<DeviceContext> {
  return {
    serial: id.serialNumber || c.settings.configuredSerial || c.settings.id,
    firmware: id.firmware,
    counts: { users: id.users, records: id.records, recordsCapacity: id.recordsCapacity },
    lastSeenAt: Date.now(),
  };
}

export function clockRead(c: DeviceContext, r: ClockReading): Partial<DeviceContext> {
  const now = Date.now();
  return {
    driftSeconds: r.driftSeconds,
    lastCorrectionAt: r.correctedAt ?? c.lastCorrectionAt,
    nextClockAt: now + spread(c.settings.clock.checkIntervalMs, PERIOD_SPREAD, c.random),
    lastSeenAt: now,
  };
}

export function pulled(c: DeviceContext, r: PullResult): Partial<DeviceContext> {
  const now = Date.now();
  return {
    cursor: r.cursor,
    counts: r.counts,
    lastSyncAt: now,
    lastSeenAt: now,
    nextPullAt: now + spread(c.settings.pullIntervalMs, PERIOD_SPREAD, c.random),
  };
}

export function cleared(c: DeviceContext, r: ClearResult): Partial<DeviceContext> {
  return { cursor: r.cursor, counts: { ...c.counts, records: 0 }, lastSyncAt: Date.now() };
}

/** After a probe: a log holding more than live capture delivered (or less) is pulled now. */
export function probed(c: DeviceContext, counts: DeviceCounts): Partial<DeviceContext> {
  const now = Date.now();
  const missed = liveVerdict(c.cursor, c.live.snapshot(), counts.records).kind === "read";
  return {
    counts,
    lastSeenAt: now,
    nextProbeAt: now + spread(c.tuning.probeIntervalMs, PERIOD_SPREAD, c.random),
    nextPullAt: missed ? Math.min(c.nextPullAt, now) : c.nextPullAt,
  };
}

export function commanded(c: DeviceContext, o: CommandOutcome): Partial<DeviceContext> {
  return {
    cursor: o.cursor ?? c.cursor,
    driftSeconds: o.driftSeconds ?? c.driftSeconds,
    lastSeenAt: Date.now(),
  };
}
