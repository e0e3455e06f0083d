import { AttendanceStatus, DayType } from "@biometricflow/proto";
import { dayTypeOf, shiftBounds, shiftMinutes, type WorkRules } from "./work-rules.js";

/**
 * Two punches closer than this are one action (a double tap), so a day whose punches all fall
 * within it has an in punch and no out punch.
 */
export const DOUBLE_TAP_SECONDS = 120;

/** One person's punches on one work day, across every device of the place (what SQL groups). */
export interface PersonDayPunches {
  /** Distinct punches. */
  punches: number;
  /** Wall-clock seconds (calendar.ts scale) of the first and last punch. */
  firstWall: number;
  firstDevice: string;
  lastWall: number;
  lastDevice: string;
  /** Real seconds from the first punch to the last (their instants: DST-proof). */
  elapsedSeconds: number;
}

export interface TimesheetDay {
  date: string;
  dayType: DayType;
  status: AttendanceStatus;
  /** Wall-clock seconds (calendar.ts scale) of the first punch; undefined when none. */
  firstWall: number | undefined;
  firstInDeviceId: string;
  /** Of the last punch; undefined when the out punch is missing. */
  lastWall: number | undefined;
  lastOutDeviceId: string;
  punches: number;
  workedMinutes: number;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  overtimeMinutes: number;
  missingOut: boolean;
}

const minuteOf = (wallSecs: number): number => Math.floor(wallSecs / 60);

// Read once: the package re-exports them through getters, and this runs for every row.
const WORKDAY = DayType.DAY_TYPE_WORKDAY;
const { ATTENDANCE_STATUS_ABSENT: ABSENT, ATTENDANCE_STATUS_OFF: OFF } = AttendanceStatus;
const { ATTENDANCE_STATUS_PRESENT: PRESENT, ATTENDANCE_STATUS_INCOMPLETE: INCOMPLETE } = AttendanceStatus;

/**
 * The timesheet of one person for one work day. First punch = in and last punch = out on any
 * device (device in/out keys are too often wrong to trust). Punch times count in whole minutes
 * (seconds dropped). Worked time is measured between the real instants, so a DST change during a
 * night shift does not add or remove an hour; late and early are judged on the wall clock, as the
 * shift is written. Late/early only count beyond the grace minutes and then count in full.
 */
export function timesheetDay(date: string, p: PersonDayPunches | undefined, r: WorkRules): TimesheetDay {
  const dayType = dayTypeOf(date, r);
  const workday = dayType === WORKDAY;
  // One object per row, built once: a month of a large place is hundreds of thousands of rows.
  if (!p || p.punches === 0) {
    return {
      date,
      dayType,
      status: workday ? ABSENT : OFF,
      firstWall: undefined,
      firstInDeviceId: "",
      lastWall: undefined,
      lastOutDeviceId: "",
      punches: 0,
      workedMinutes: 0,
      lateMinutes: 0,
      earlyLeaveMinutes: 0,
      overtimeMinutes: 0,
      missingOut: false,
    };
  }

  const missingOut = p.lastWall - p.firstWall < DOUBLE_TAP_SECONDS;
  const spanMinutes = missingOut ? 0 : Math.max(0, Math.floor(p.elapsedSeconds / 60));
  const worked = Math.max(0, spanMinutes - r.breakMinutes);
  let status = OFF;
  let late = 0;
  let early = 0;
  let overtime = worked; // all of it on a day off
  if (workday) {
    const shift = shiftBounds(date, r);
    late = minuteOf(p.firstWall) - minuteOf(shift.start);
    early = missingOut ? 0 : minuteOf(shift.end) - minuteOf(p.lastWall);
    const scheduled = Math.max(0, shiftMinutes(r) - r.breakMinutes);
    const complete = !missingOut && worked >= r.minHoursPresent * 60;
    status = complete ? PRESENT : INCOMPLETE;
    overtime = Math.max(0, worked - scheduled);
  }
  return {
    date,
    dayType,
    status,
    firstWall: p.firstWall,
    firstInDeviceId: p.firstDevice,
    lastWall: missingOut ? undefined : p.lastWall,
    lastOutDeviceId: missingOut ? "" : p.lastDevice,
    punches: p.punches,
    workedMinutes: worked,
    lateMinutes: late > r.graceMinutes ? late : 0,
    earlyLeaveMinutes: early > r.graceMinutes ? early : 0,
    overtimeMinutes: overtime,
    missingOut,
  };
}
