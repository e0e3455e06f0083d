import type { TimesheetBlock, TimesheetRow } from "@biometricflow/proto";
import { dayTypeOf } from "../rules/work-rules.js";
import { formatWall, midnight } from "../rules/calendar.js";
import type { RulesTimeline } from "../rules/rules-timeline.js";
import type { TimesheetDay } from "../rules/timesheet-day.js";
import type { SheetChunk } from "./place-timesheets.js";
import type { TimesheetColumns } from "./timesheet-block-wire.js";

/** GetTimesheet's row: times as wall-clock text. */
export function timesheetRow(
  placeId: string,
  userId: string,
  userName: string,
  day: TimesheetDay,
): TimesheetRow {
  const { firstWall, lastWall, ...rest } = day;
  return {
    placeId,
    userId,
    userName,
    ...rest,
    firstIn: firstWall === undefined ? "" : formatWall(firstWall),
    lastOut: lastWall === undefined ? "" : formatWall(lastWall),
  };
}

/** ExportTimesheets' block: the same rows as columns (TimesheetBlock in analytics.proto, typed). */
export function timesheetBlock(
  placeId: string,
  timeline: RulesTimeline,
  chunk: SheetChunk,
): TimesheetColumns {
  // Typed columns of known length, written in place: growing arrays row by row cost more than the rules.
  const column = (): Uint32Array => new Uint32Array(chunk.rows);
  const b: TimesheetColumns = {
    placeId,
    dates: chunk.days,
    dayTypes: chunk.days.map((d) => dayTypeOf(d, timeline.on(d))),
    userIds: [],
    userNames: [],
    deviceIds: [],
    dateIndex: column(),
    userIndex: column(),
    status: column(),
    punches: column(),
    firstIn: new Int32Array(chunk.rows),
    firstInDevice: column(),
    lastOut: new Int32Array(chunk.rows),
    lastOutDevice: column(),
    workedMinutes: column(),
    lateMinutes: column(),
    earlyLeaveMinutes: column(),
    overtimeMinutes: column(),
  };
  // Only the people and devices the rows name, numbered in order of first use.
  const users = new Int32Array(chunk.userIds.length).fill(-1);
  const devices = new Map<string, number>();
  const device = (id: string): number => {
    if (!id) return 0;
    let n = devices.get(id);
    if (n === undefined) {
      devices.set(id, (n = devices.size + 1));
      b.deviceIds.push(id);
    }
    return n;
  };
  const midnights = chunk.days.map(midnight);
  let i = 0;
  chunk.forEachRow((user, day, r) => {
    let u = users[user]!;
    if (u < 0) {
      u = users[user] = b.userIds.length;
      b.userIds.push(chunk.userIds[user]!);
      b.userNames.push(chunk.userNames[user]!);
    }
    const base = midnights[day]!;
    b.dateIndex[i] = day;
    b.userIndex[i] = u;
    b.status[i] = r.status;
    b.punches[i] = r.punches;
    b.firstIn[i] = r.firstWall === undefined ? 0 : r.firstWall - base;
    b.firstInDevice[i] = device(r.firstInDeviceId);
    b.lastOut[i] = r.lastWall === undefined ? 0 : r.lastWall - base;
    b.lastOutDevice[i] = device(r.lastOutDeviceId);
    b.workedMinutes[i] = r.workedMinutes;
    b.lateMinutes[i] = r.lateMinutes;
    b.earlyLeaveMinutes[i] = r.earlyLeaveMinutes;
    b.overtimeMinutes[i] = r.overtimeMinutes;
    i++;
  });
  if (i !== chunk.rows) throw new Error(`timesheet block: ${i} rows visited, ${chunk.rows} announced`);
  return b;
}

/** A block back as GetTimesheet rows: for clients that want objects (and to check the format). */
export function rowsOfBlock(b: TimesheetBlock): TimesheetRow[] {
  return b.dateIndex.map((di, i) => {
    const date = b.dates[di]!;
    const base = midnight(date);
    const punches = b.punches[i]!;
    const inDevice = b.firstInDevice[i]!;
    const outDevice = b.lastOutDevice[i]!;
    const u = b.userIndex[i]!;
    return {
      placeId: b.placeId,
      userId: b.userIds[u]!,
      userName: b.userNames[u]!,
      date,
      dayType: b.dayTypes[di]!,
      status: b.status[i]!,
      firstIn: punches > 0 ? formatWall(base + b.firstIn[i]!) : "",
      firstInDeviceId: inDevice ? b.deviceIds[inDevice - 1]! : "",
      lastOut: outDevice ? formatWall(base + b.lastOut[i]!) : "",
      lastOutDeviceId: outDevice ? b.deviceIds[outDevice - 1]! : "",
      punches,
      workedMinutes: b.workedMinutes[i]!,
      lateMinutes: b.lateMinutes[i]!,
      earlyLeaveMinutes: b.earlyLeaveMinutes[i]!,
      overtimeMinutes: b.overtimeMinutes[i]!,
      missingOut: punches > 0 && outDevice === 0,
    };
  });
}
