import { formatWallClock, type WallClock } from "../protocol/index.js";

/** This computer's local wall-clock time: what a device on the same site should show. */
export function localWallClockNow(now = new Date()): WallClock {
  return formatWallClock({
    year: now.getFullYear(),
    month: now.getMonth() + 1,
    day: now.getDate(),
    hour: now.getHours(),
    minute: now.getMinutes(),
    second: now.getSeconds(),
  });
}
