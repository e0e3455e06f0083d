import type {
  GetAttendanceTrendRequest,
  GetAttendanceTrendResponse,
  GetDailySummaryRequest,
  GetDailySummaryResponse,
  PlaceDaySummary,
  TrendPoint,
} from "@biometricflow/proto";
import { DayType } from "@biometricflow/proto";
import { summarizeDays } from "../rules/day-summary.js";
import type { TimesheetDay } from "../rules/timesheet-day.js";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { deviceDays } from "./device-days-query.js";
import { PlaceTimesheets } from "./place-timesheets.js";
import { validScope, type Scope } from "./requests.js";

/** Per place and work day, counted over timesheet rows computed a few days at a time. */
async function summaries(d: AnalyticsDeps, scope: Scope): Promise<PlaceDaySummary[]> {
  const sheets = await PlaceTimesheets.openAll(d, scope.places, scope.from, scope.to, []);
  const perPlace = await Promise.all(
    sheets.map(async (sheet) => {
      const { known } = sheet;
      const devices = await deviceDays(d.db, known.place.id, sheet.timeline.segments(scope.from, scope.to));
      const out: PlaceDaySummary[] = [];
      for await (const chunk of sheet.chunks()) {
        const days: TimesheetDay[] = [];
        chunk.forEachRow((_u, _d, day) => days.push({ ...day }));
        out.push(...summarizeDays(known.place.id, chunk.days, sheet.timeline, days, devices));
      }
      return out;
    }),
  );
  return perPlace.flat();
}

export async function getDailySummary(
  d: AnalyticsDeps,
  req: GetDailySummaryRequest,
): Promise<GetDailySummaryResponse> {
  return { days: await summaries(d, validScope(req.scope, d.book, d.limits.maxRangeDays)) };
}

/** Attendance rate per place and day, and over all requested places (days off expect nobody). */
export async function getAttendanceTrend(
  d: AnalyticsDeps,
  req: GetAttendanceTrendRequest,
): Promise<GetAttendanceTrendResponse> {
  const days = await summaries(d, validScope(req.scope, d.book, d.limits.maxRangeDays));
  const point = (
    placeId: string,
    date: string,
    dayType: DayType,
    expected: number,
    attended: number,
  ): TrendPoint => ({
    placeId,
    date,
    dayType,
    expected,
    attended,
    rate: expected > 0 ? attended / expected : 0,
  });
  const places = days.map((s) => {
    const workday = s.dayType === DayType.DAY_TYPE_WORKDAY;
    const attended = workday ? s.present + s.incomplete : 0;
    return point(s.placeId, s.date, s.dayType, workday ? attended + s.absent : 0, attended);
  });
  const byDate = new Map<string, TrendPoint>();
  for (const p of places) {
    const o = byDate.get(p.date) ?? point("", p.date, p.dayType, 0, 0);
    if (p.dayType === DayType.DAY_TYPE_WORKDAY) o.dayType = DayType.DAY_TYPE_WORKDAY;
    o.expected += p.expected;
    o.attended += p.attended;
    byDate.set(p.date, o);
  }
  const overall = [...byDate.values()]
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .map((o) => point("", o.date, o.dayType, o.expected, o.attended));
  return { places, overall };
}
