import type { TimesheetBlock, TimesheetRow } from "@biometricflow/proto";
import { dayTypeOf } from "../rules/work-rules.js";
import { formatWall, midnight } from "../rules/calendar.js";
import type { RulesTimeline } from "../rules/rules-timeline.js";
import type { SheetChunk, SheetRow } from "./place-timesheets.js";

/** GetTimesheet's row: times as wall-clock text. */
export function timesheetRow(placeId: string, r: SheetRow): TimesheetRow {
  const { firstWall, lastWall, ...day } = r.day;
  return {
    placeId,
    userId: r.userId,
    userName: r.userName,
    ...day,
    firstIn: firstWall === undefined ? "" : formatWall(firstWall),
    lastOut: lastWall === undefined ? "" : formatWall(lastWall),
  };
}

/** ExportTimesheets' block: the same rows as columns (see TimesheetBlock in analytics.proto). */
export function timesheetBlock(placeId: string, timeline: RulesTimeline, chunk: SheetChunk): TimesheetBlock {
  const dateIndex = new Map(chunk.days.map((d, i) => [d, i]));
  const users = new Map<string, number>();
  const userNames: string[] = [];
  const devices = new Map<string, number>();
  const device = (id: string): number => {
    if (!id) return 0;
    let n = devices.get(id);
    if (n === undefined) devices.set(id, (n = devices.size + 1));
    return n;
  };
  const n = chunk.rows.length;
  const b: TimesheetBlock = {
    placeId,
    dates: chunk.days,
    dayTypes: chunk.days.map((d) => dayTypeOf(d, timeline.on(d))),
    userIds: [],
    userNames,
    deviceIds: [],
    dateIndex: new Array<number>(n),
    userIndex: new Array<number>(n),
    status: new Array<number>(n),
    punches: new Array<number>(n),
    firstIn: new Array<number>(n),
    firstInDevice: new Array<number>(n),
    lastOut: new Array<number>(n),
    lastOutDevice: new Array<number>(n),
    workedMinutes: new Array<number>(n),
    lateMinutes: new Array<number>(n),
    earlyLeaveMinutes: new Array<number>(n),
    overtimeMinutes: new Array<number>(n),
  };
  chunk.rows.forEach((r, i) => {
    let u = users.get(r.userId);
    if (u === undefined) {
      users.set(r.userId, (u = users.size));
      userNames.push(r.userName);
    }
    const d = r.day;
    const base = midnight(d.date);
    b.dateIndex[i] = dateIndex.get(d.date)!;
    b.userIndex[i] = u;
    b.status[i] = d.status;
    b.punches[i] = d.punches;
    b.firstIn[i] = d.firstWall === undefined ? 0 : d.firstWall - base;
    b.firstInDevice[i] = device(d.firstInDeviceId);
    b.lastOut[i] = d.lastWall === undefined ? 0 : d.lastWall - base;
    b.lastOutDevice[i] = device(d.lastOutDeviceId);
    b.workedMinutes[i] = d.workedMinutes;
    b.lateMinutes[i] = d.lateMinutes;
    b.earlyLeaveMinutes[i] = d.earlyLeaveMinutes;
    b.overtimeMinutes[i] = d.overtimeMinutes;
  });
  b.userIds = [...users.keys()];
  b.deviceIds = [...devices.keys()];
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
