import { AttendanceStatus, type DeviceDaySummary, type PlaceDaySummary } from "@biometricflow/proto";
import type { TimesheetDay } from "./timesheet-day.js";
import type { RulesTimeline } from "./rules-timeline.js";
import { dayTypeOf } from "./work-rules.js";

/** Punches and people per device and work day, as SQL counts them. */
export interface DeviceDayCounts {
  date: string;
  deviceId: string;
  deviceSerial: string;
  punches: number;
  people: number;
}

/**
 * Per work day of one place, each judged by the rules in force on it: counts over its timesheet rows (one per person and day, absent
 * people included). A person's day is credited to the device of their first punch (and an early
 * leave to the device of their last), so device columns add up to the place's.
 */
export function summarizeDays(
  placeId: string,
  days: readonly string[],
  rules: RulesTimeline,
  rows: Iterable<TimesheetDay>,
  devices: readonly DeviceDayCounts[],
): PlaceDaySummary[] {
  const byDate = new Map<string, PlaceDaySummary>();
  const deviceRows = new Map<string, DeviceDaySummary>();
  for (const date of days) {
    byDate.set(date, {
      placeId,
      date,
      dayType: dayTypeOf(date, rules.on(date)),
      people: 0,
      present: 0,
      absent: 0,
      late: 0,
      earlyLeave: 0,
      incomplete: 0,
      holiday: 0,
      punches: 0,
      devices: [],
    });
  }
  const device = (date: string, deviceId: string): DeviceDaySummary => {
    const key = `${date}\u0000${deviceId}`;
    let d = deviceRows.get(key);
    if (!d) {
      d = {
        deviceId,
        deviceSerial: "",
        punches: 0,
        people: 0,
        present: 0,
        incomplete: 0,
        late: 0,
        earlyLeave: 0,
      };
      deviceRows.set(key, d);
      byDate.get(date)?.devices.push(d);
    }
    return d;
  };

  for (const c of devices) {
    const day = byDate.get(c.date);
    if (!day) continue;
    Object.assign(device(c.date, c.deviceId), {
      deviceSerial: c.deviceSerial,
      punches: c.punches,
      people: c.people,
    });
    day.punches += c.punches;
  }
  for (const r of rows) {
    const day = byDate.get(r.date);
    if (!day) continue;
    day.people += 1;
    switch (r.status) {
      case AttendanceStatus.ATTENDANCE_STATUS_ABSENT:
        day.absent += 1;
        continue;
      case AttendanceStatus.ATTENDANCE_STATUS_OFF:
        day.holiday += 1;
        continue;
      case AttendanceStatus.ATTENDANCE_STATUS_PRESENT:
        day.present += 1;
        device(r.date, r.firstInDeviceId).present += 1;
        break;
      default:
        day.incomplete += 1;
        device(r.date, r.firstInDeviceId).incomplete += 1;
    }
    if (r.lateMinutes > 0) {
      day.late += 1;
      device(r.date, r.firstInDeviceId).late += 1;
    }
    if (r.earlyLeaveMinutes > 0) {
      day.earlyLeave += 1;
      device(r.date, r.lastOutDeviceId).earlyLeave += 1;
    }
  }
  for (const day of byDate.values()) day.devices.sort((a, b) => a.deviceId.localeCompare(b.deviceId));
  return [...byDate.values()];
}
