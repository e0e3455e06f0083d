import { DeviceState } from "@biometricflow/proto";

export interface StateChange {
  state: DeviceState;
  /** Epoch milliseconds. */
  sinceMs: number;
  detail: string;
}

export interface HealthSummary {
  /** The state in force at `fromMs` (when known), then the changes inside the range. */
  changes: StateChange[];
  liveShare: number;
  failures: number;
}

const failing = new Set([DeviceState.DEVICE_STATE_BACKING_OFF, DeviceState.DEVICE_STATE_FAILED]);

/**
 * A device's health over [fromMs, toMs): time LIVE as a share of the time its state was known
 * (from the first known state, up to toMs or now), and how often it fell into BACKING_OFF/FAILED.
 * `before` is the last change before the range, `inRange` the changes in it, oldest first.
 */
export function deviceHealth(
  before: StateChange | undefined,
  inRange: readonly StateChange[],
  fromMs: number,
  toMs: number,
  nowMs: number,
): HealthSummary {
  const end = Math.min(toMs, nowMs);
  const timeline = before ? [{ ...before, sinceMs: fromMs }, ...inRange] : [...inRange];
  let known = 0;
  let live = 0;
  timeline.forEach((c, i) => {
    const start = Math.max(c.sinceMs, fromMs);
    const stop = Math.min(timeline[i + 1]?.sinceMs ?? end, end);
    const span = Math.max(0, stop - start);
    known += span;
    if (c.state === DeviceState.DEVICE_STATE_LIVE) live += span;
  });
  return {
    changes: before ? [before, ...inRange] : [...inRange],
    liveShare: known > 0 ? live / known : 0,
    failures: inRange.filter(
      (c, i) => failing.has(c.state) && (i === 0 ? before?.state : inRange[i - 1]?.state) !== c.state,
    ).length,
  };
}
