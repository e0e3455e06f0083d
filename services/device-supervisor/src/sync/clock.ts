import { formatWallClock, wallClockToSeconds, type WallClock } from "@biometricflow/zk";

export interface ClockSettings {
  checkIntervalMs: number;
  autoCorrect: boolean;
  thresholdSeconds: number;
  minCorrectionIntervalMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA zone this runtime knows. */
export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return zone !== "";
  } catch {
    return false;
  }
}

/** The wall clock of `zone` at `at`, "YYYY-MM-DDTHH:mm:ss": what a correct device in that place shows. */
export function placeWallClock(zone: string, at: Date = new Date()): WallClock {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(at))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  return formatWallClock({
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  });
}

/** Device clock minus place clock, in whole seconds (positive: the device is ahead). */
export function clockDrift(device: WallClock, place: WallClock): number {
  return wallClockToSeconds(device) - wallClockToSeconds(place);
}

/**
 * Correct only above the threshold and at most once per interval: a wrongly configured zone must
 * not turn into a correction loop (ADMS servers learned this with UTC placeholders).
 */
export function correctionDue(
  drift: number,
  policy: ClockSettings,
  lastCorrectionAt: number,
  now: number,
): boolean {
  if (!policy.autoCorrect || Math.abs(drift) <= policy.thresholdSeconds) return false;
  return lastCorrectionAt === 0 || now - lastCorrectionAt >= policy.minCorrectionIntervalMs;
}
