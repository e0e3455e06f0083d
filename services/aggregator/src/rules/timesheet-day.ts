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

/** What a work day's rules say about that date, worked out once for everyone judged on it. */
export interface DayPlan {
  date: string;
  dayType: DayType;
  workday: boolean;
  /** Minute (wall-clock scale) the shift starts and ends. */
  shiftStartMinute: number;
  shiftEndMinute: number;
  /** Shift length less the break. */
  scheduledMinutes: number;
  graceMinutes: number;
  breakMinutes: number;
  presentMinutes: number;
}

export function dayPlan(date: string, r: WorkRules): DayPlan {
  const dayType = dayTypeOf(date, r);
  const shift = shiftBounds(date, r);
  return {
    date,
    dayType,
    workday: dayType === WORKDAY,
    shiftStartMinute: minuteOf(shift.start),
    shiftEndMinute: minuteOf(shift.end),
    scheduledMinutes: Math.max(0, shiftMinutes(r) - r.breakMinutes),
    graceMinutes: r.graceMinutes,
    breakMinutes: r.breakMinutes,
    presentMinutes: r.minHoursPresent * 60,
  };
}

/** A blank row for judgeDay to fill. */
export function emptyTimesheetDay(): TimesheetDay {
  return {
    date: "",
    dayType: WORKDAY,
    status: ABSENT,
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

/**
 * The timesheet of one person for one work day. First punch = in and last punch = out on any
 * device (device in/out keys are too often wrong to trust). Punch times count in whole minutes
 * (seconds dropped). Worked time is measured between the real instants, so a DST change during a
 * night shift does not add or remove an hour; late and early are judged on the wall clock, as the
 * shift is written. Late/early only count beyond the grace minutes and then count in full.
 */
export function timesheetDay(date: string, p: PersonDayPunches | undefined, r: WorkRules): TimesheetDay {
  return judgeDay(dayPlan(date, r), p, emptyTimesheetDay());
}

/**
 * timesheetDay written into `out` (every field set) and returned: a month of a large place is
 * hundreds of thousands of rows, and callers that turn each into columns reuse one object.
 */
export function judgeDay(plan: DayPlan, p: PersonDayPunches | undefined, out: TimesheetDay): TimesheetDay {
  out.date = plan.date;
  out.dayType = plan.dayType;
  if (!p || p.punches === 0) {
    out.status = plan.workday ? ABSENT : OFF;
    out.firstWall = out.lastWall = undefined;
    out.firstInDeviceId = out.lastOutDeviceId = "";
    out.punches = out.workedMinutes = out.lateMinutes = out.earlyLeaveMinutes = out.overtimeMinutes = 0;
    out.missingOut = false;
    return out;
  }

  const missingOut = p.lastWall - p.firstWall < DOUBLE_TAP_SECONDS;
  const spanMinutes = missingOut ? 0 : Math.max(0, Math.floor(p.elapsedSeconds / 60));
  const worked = Math.max(0, spanMinutes - plan.breakMinutes);
  let status = OFF;
  let late = 0;
  let early = 0;
  let overtime = worked; // all of it on a day off
  if (plan.workday) {
    late = minuteOf(p.firstWall) - plan.shiftStartMinute;
    early = missingOut ? 0 : plan.shiftEndMinute - minuteOf(p.lastWall);
    const complete = !missingOut && worked >= plan.presentMinutes;
    status = complete ? PRESENT : INCOMPLETE;
    overtime = Math.max(0, worked - plan.scheduledMinutes);
  }
  out.status = status;
  out.firstWall = p.firstWall;
  out.firstInDeviceId = p.firstDevice;
  out.lastWall = missingOut ? undefined : p.lastWall;
  out.lastOutDeviceId = missingOut ? "" : p.lastDevice;
  out.punches = p.punches;
  out.workedMinutes = worked;
  out.lateMinutes = late > plan.graceMinutes ? late : 0;
  out.earlyLeaveMinutes = early > plan.graceMinutes ? early : 0;
  out.overtimeMinutes = overtime;
  out.missingOut = missingOut;
  return out;
}
