// The attendance rules as pure functions: work days, one person-day, a day's summary, device health.
import { AttendanceStatus, DayType, DeviceState } from "@biometricflow/proto";
import { addDays, daysInclusive, eachDay, wallSeconds, weekday } from "../src/rules/calendar.js";
import { summarizeDays } from "../src/rules/day-summary.js";
import { deviceHealth } from "../src/rules/device-health.js";
import { Membership } from "../src/rules/membership.js";
import { RulesTimeline } from "../src/rules/rules-timeline.js";
import { timesheetDay, type PersonDayPunches } from "../src/rules/timesheet-day.js";
import { dayStartOffsetSeconds, dayTypeOf, parseWorkRules, workDayOf } from "../src/rules/work-rules.js";

const day = parseWorkRules({
  shiftStart: "08:00",
  shiftEnd: "17:00",
  graceMinutes: 10,
  minHoursPresent: 4,
  weekendDays: [0, 6],
  holidays: ["2024-05-08"],
  breakMinutes: 60,
});
const night = parseWorkRules({
  shiftStart: "22:00",
  shiftEnd: "06:00",
  graceMinutes: 5,
  minHoursPresent: 6,
  weekendDays: [0, 6],
  holidays: [],
  breakMinutes: 30,
});

/** A person-day from wall-clock in/out in a zone UTC+1 (real instant = wall - 1 h). */
function pd(
  first: string,
  last: string,
  punches = 2,
  devices: [string, string] = ["gate-1", "gate-2"],
): PersonDayPunches {
  return {
    punches,
    firstWall: wallSeconds(first),
    firstDevice: devices[0],
    lastWall: wallSeconds(last),
    lastDevice: devices[1],
    elapsedSeconds: wallSeconds(last) - wallSeconds(first),
  };
}

describe("calendar", () => {
  test("weekdays, day arithmetic, ranges", () => {
    expect(weekday("2024-05-06")).toBe(1); // a Monday
    expect(weekday("2024-05-12")).toBe(0);
    expect(addDays("2024-02-28", 2)).toBe("2024-03-01");
    expect(daysInclusive("2024-05-06", "2024-05-06")).toBe(1);
    expect(eachDay("2024-12-30", "2025-01-02")).toEqual([
      "2024-12-30",
      "2024-12-31",
      "2025-01-01",
      "2025-01-02",
    ]);
  });
});

describe("work days", () => {
  test("a day shift's day runs 00:30 to 00:30; a night shift's 14:00 to 14:00", () => {
    expect(dayStartOffsetSeconds(day)).toBe(30 * 60);
    expect(dayStartOffsetSeconds(night)).toBe(14 * 3600);
    expect(workDayOf(wallSeconds("2024-05-07T00:20:00"), day)).toBe("2024-05-06");
    expect(workDayOf(wallSeconds("2024-05-07T00:40:00"), day)).toBe("2024-05-07");
    expect(workDayOf(wallSeconds("2024-05-06T21:55:00"), night)).toBe("2024-05-06");
    expect(workDayOf(wallSeconds("2024-05-07T06:10:00"), night)).toBe("2024-05-06"); // not split at midnight
    expect(workDayOf(wallSeconds("2024-05-07T14:00:00"), night)).toBe("2024-05-07");
  });

  test("an early shift (02:00-10:00) keeps its own date", () => {
    const early = parseWorkRules({
      ...night,
      shiftStart: "02:00",
      shiftEnd: "10:00",
      weekendDays: [],
      holidays: [],
    });
    expect(workDayOf(wallSeconds("2024-05-07T01:50:00"), early)).toBe("2024-05-07");
    expect(workDayOf(wallSeconds("2024-05-06T18:30:00"), early)).toBe("2024-05-07");
  });

  test("day types come from the place's weekend days and holidays", () => {
    expect(dayTypeOf("2024-05-06", day)).toBe(DayType.DAY_TYPE_WORKDAY);
    expect(dayTypeOf("2024-05-08", day)).toBe(DayType.DAY_TYPE_HOLIDAY);
    expect(dayTypeOf("2024-05-11", day)).toBe(DayType.DAY_TYPE_WEEKEND);
  });
});

describe("one person, one day", () => {
  test("present: in within grace on one device, out on another; overtime past the scheduled 8 h", () => {
    expect(timesheetDay("2024-05-06", pd("2024-05-06T08:05:00", "2024-05-06T17:30:00"), day)).toEqual({
      date: "2024-05-06",
      dayType: DayType.DAY_TYPE_WORKDAY,
      status: AttendanceStatus.ATTENDANCE_STATUS_PRESENT,
      firstWall: wallSeconds("2024-05-06T08:05:00"),
      firstInDeviceId: "gate-1",
      lastWall: wallSeconds("2024-05-06T17:30:00"),
      lastOutDeviceId: "gate-2",
      punches: 2,
      workedMinutes: 505, // 9 h 25 min - 60 min break
      lateMinutes: 0,
      earlyLeaveMinutes: 0,
      overtimeMinutes: 25, // scheduled 9 h - 1 h break = 480
      missingOut: false,
    });
  });

  test("late and early beyond grace count in full; within grace they do not (seconds dropped)", () => {
    const late = timesheetDay("2024-05-06", pd("2024-05-06T08:25:00", "2024-05-06T16:30:00", 3), day);
    expect(late).toMatchObject({ lateMinutes: 25, earlyLeaveMinutes: 30, workedMinutes: 425, status: 1 });
    const edge = timesheetDay("2024-05-07", pd("2024-05-07T08:10:59", "2024-05-07T16:49:59"), day);
    expect(edge).toMatchObject({ lateMinutes: 0, earlyLeaveMinutes: 11, workedMinutes: 459 });
  });

  test("a missing out punch, or only a double tap, is incomplete", () => {
    const one = timesheetDay("2024-05-06", pd("2024-05-06T08:00:00", "2024-05-06T08:00:00", 1), day);
    expect(one).toMatchObject({
      status: AttendanceStatus.ATTENDANCE_STATUS_INCOMPLETE,
      missingOut: true,
      lastWall: undefined,
      lastOutDeviceId: "",
      workedMinutes: 0,
      earlyLeaveMinutes: 0,
    });
    const tap = timesheetDay("2024-05-07", pd("2024-05-07T09:00:00", "2024-05-07T09:00:40"), day);
    expect(tap).toMatchObject({
      status: AttendanceStatus.ATTENDANCE_STATUS_INCOMPLETE,
      missingOut: true,
      lateMinutes: 60,
    });
  });

  test("worked time below min_hours_present is incomplete", () => {
    const short = timesheetDay("2024-05-06", pd("2024-05-06T08:00:00", "2024-05-06T12:30:00"), day);
    expect(short).toMatchObject({
      status: AttendanceStatus.ATTENDANCE_STATUS_INCOMPLETE,
      workedMinutes: 210,
    });
  });

  test("no punches: absent on a work day, off on a holiday or weekend", () => {
    expect(timesheetDay("2024-05-06", undefined, day).status).toBe(AttendanceStatus.ATTENDANCE_STATUS_ABSENT);
    expect(timesheetDay("2024-05-08", undefined, day).status).toBe(AttendanceStatus.ATTENDANCE_STATUS_OFF);
    expect(timesheetDay("2024-05-11", undefined, day).status).toBe(AttendanceStatus.ATTENDANCE_STATUS_OFF);
  });

  test("work on a holiday is all overtime, never late", () => {
    const h = timesheetDay("2024-05-08", pd("2024-05-08T10:00:00", "2024-05-08T14:00:00"), day);
    expect(h).toMatchObject({
      status: AttendanceStatus.ATTENDANCE_STATUS_OFF,
      workedMinutes: 180,
      overtimeMinutes: 180,
      lateMinutes: 0,
    });
  });

  test("an overnight shift is one day: late at 22:20, early at 05:00", () => {
    const n = timesheetDay("2024-05-06", pd("2024-05-06T22:20:00", "2024-05-07T05:00:00"), night);
    expect(n).toMatchObject({ lateMinutes: 20, earlyLeaveMinutes: 60, workedMinutes: 370, status: 1 });
    const ok = timesheetDay("2024-05-06", pd("2024-05-06T21:55:00", "2024-05-07T06:10:00"), night);
    expect(ok).toMatchObject({
      lateMinutes: 0,
      earlyLeaveMinutes: 0,
      workedMinutes: 465,
      overtimeMinutes: 15,
    });
  });

  test("worked time uses real instants: a DST night adds no phantom hour", () => {
    // Wall clock 22:00 -> 06:00 is 8 h, but the clocks went back an hour that night: 9 h worked.
    const p = { ...pd("2024-10-26T22:00:00", "2024-10-27T06:00:00"), elapsedSeconds: 9 * 3600 };
    expect(timesheetDay("2024-10-26", p, { ...night, weekendDays: new Set() }).workedMinutes).toBe(540 - 30);
  });
});

describe("a day's summary", () => {
  test("counts by status; devices credited with first-in (and early leave with last-out)", () => {
    const rows = [
      timesheetDay("2024-05-06", pd("2024-05-06T08:05:00", "2024-05-06T17:30:00"), day),
      timesheetDay(
        "2024-05-06",
        pd("2024-05-06T08:25:00", "2024-05-06T16:30:00", 3, ["gate-1", "gate-1"]),
        day,
      ),
      timesheetDay("2024-05-06", pd("2024-05-06T08:00:00", "2024-05-06T08:00:00", 1), day),
      timesheetDay("2024-05-06", undefined, day),
      timesheetDay("2024-05-08", undefined, day),
    ];
    const devices = [
      { date: "2024-05-06", deviceId: "gate-1", deviceSerial: "SN-1", punches: 5, people: 3 },
      { date: "2024-05-06", deviceId: "gate-2", deviceSerial: "SN-2", punches: 1, people: 1 },
    ];
    const [mon, wed] = summarizeDays(
      "hq",
      ["2024-05-06", "2024-05-08"],
      RulesTimeline.constant(day),
      rows,
      devices,
    );
    expect(mon).toEqual({
      placeId: "hq",
      date: "2024-05-06",
      dayType: DayType.DAY_TYPE_WORKDAY,
      people: 4,
      present: 2,
      absent: 1,
      late: 1,
      earlyLeave: 1,
      incomplete: 1,
      holiday: 0,
      punches: 6,
      devices: [
        {
          deviceId: "gate-1",
          deviceSerial: "SN-1",
          punches: 5,
          people: 3,
          present: 2,
          incomplete: 1,
          late: 1,
          earlyLeave: 1,
        },
        {
          deviceId: "gate-2",
          deviceSerial: "SN-2",
          punches: 1,
          people: 1,
          present: 0,
          incomplete: 0,
          late: 0,
          earlyLeave: 0,
        },
      ],
    });
    expect(wed).toMatchObject({ dayType: DayType.DAY_TYPE_HOLIDAY, people: 1, holiday: 1, absent: 0 });
  });
});

describe("device health", () => {
  const h = (hh: number) => Date.UTC(2024, 4, 6, hh);
  test("live share over the known time, failures counted on entering a failing state", () => {
    const r = deviceHealth(
      { state: DeviceState.DEVICE_STATE_LIVE, sinceMs: h(-30), detail: "" },
      [
        { state: DeviceState.DEVICE_STATE_BACKING_OFF, sinceMs: h(12), detail: "ECONNREFUSED" },
        { state: DeviceState.DEVICE_STATE_BACKING_OFF, sinceMs: h(12) + 60_000, detail: "ECONNREFUSED" },
        { state: DeviceState.DEVICE_STATE_LIVE, sinceMs: h(13), detail: "" },
      ],
      h(0),
      h(24),
      h(48),
    );
    expect(r.liveShare).toBeCloseTo(23 / 24);
    expect(r.failures).toBe(1);
    expect(r.changes).toHaveLength(4);
  });

  test("time before the first known state does not count; the future does not count", () => {
    const r = deviceHealth(
      undefined,
      [{ state: DeviceState.DEVICE_STATE_LIVE, sinceMs: h(6), detail: "" }],
      h(0),
      h(24),
      h(12),
    );
    expect(r.liveShare).toBe(1);
    expect(deviceHealth(undefined, [], h(0), h(24), h(12))).toEqual({
      changes: [],
      liveShare: 0,
      failures: 0,
    });
  });
});

describe("rules and people over time", () => {
  test("a version governs from its date on; the oldest also every earlier day; the last of a date wins", () => {
    const t = new RulesTimeline([
      { from: "2024-05-08", rules: night },
      { from: "2024-05-01", rules: day },
      { from: "2024-05-08", rules: day },
      { from: "2024-05-10", rules: night },
    ]);
    expect(t.on("2023-01-01")).toBe(day);
    expect(t.on("2024-05-09")).toBe(day);
    expect(t.on("2024-05-10")).toBe(night);
    expect(t.on("2030-01-01")).toBe(night);
  });

  test("segments: runs of days per version whose wall-clock spans meet, with no gap or overlap", () => {
    const t = new RulesTimeline([
      { from: "2024-05-01", rules: day },
      { from: "2024-05-08", rules: night },
      { from: "2024-05-10", rules: day },
    ]);
    const segments = t.segments("2024-05-06", "2024-05-11");
    const wall = (s: string) => wallSeconds(s);
    // Day shift days start at 00:30, night shift days at 14:00.
    expect(segments.map((s) => [s.from, s.to, s.rules === day ? "day" : "night", s.lo, s.hi])).toEqual([
      ["2024-05-06", "2024-05-07", "day", wall("2024-05-06T00:30:00"), wall("2024-05-08T00:30:00")],
      // The night days would start at 14:00: they start where Tuesday's day ended instead.
      ["2024-05-08", "2024-05-09", "night", wall("2024-05-08T00:30:00"), wall("2024-05-10T14:00:00")],
      // Back to day shifts: Friday would start at 00:30, which Thursday's night still owns.
      ["2024-05-10", "2024-05-11", "day", wall("2024-05-10T14:00:00"), wall("2024-05-12T00:30:00")],
    ]);
    expect(RulesTimeline.constant(day).segments("2024-05-06", "2024-05-06")).toHaveLength(1);
  });

  test("membership: expected from the day listed until the day removed; nobody before their first change", () => {
    const m = new Membership([
      { userId: "old", from: "1970-01-01", expected: true },
      { userId: "new", from: "2024-05-09", expected: true },
      { userId: "gone", from: "1970-01-01", expected: true },
      { userId: "gone", from: "2024-05-07", expected: false },
      { userId: "flip", from: "2024-05-07", expected: true },
      { userId: "flip", from: "2024-05-07", expected: false },
    ]);
    expect(["old", "new", "gone", "flip", "stranger"].filter((u) => m.expectedOn(u, "2024-05-06"))).toEqual([
      "old",
      "gone",
    ]);
    expect(["old", "new", "gone", "flip"].filter((u) => m.expectedOn(u, "2024-05-09"))).toEqual([
      "old",
      "new",
    ]);
    expect(m.expectedDuring("2024-05-06", "2024-05-08").sort()).toEqual(["gone", "old"]);
    expect(m.expectedDuring("2024-05-08", "2024-05-09").sort()).toEqual(["new", "old"]);
  });
});
