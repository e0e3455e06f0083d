import { InvalidArgumentError } from "@biometricflow/grpc-kit";
import type {
  ExportTimesheetsRequest,
  ExportTimesheetsResponse,
  GetTimesheetRequest,
  GetTimesheetResponse,
  TimesheetRow,
} from "@biometricflow/proto";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { PlaceTimesheets } from "./place-timesheets.js";
import { validIds, validScope } from "./requests.js";

const EXPORT_BATCH = 1000;

async function openAll(
  d: AnalyticsDeps,
  req: GetTimesheetRequest | ExportTimesheetsRequest,
): Promise<PlaceTimesheets[]> {
  const scope = validScope(req.scope, d.book, d.limits.maxRangeDays);
  const userIds = validIds(req.userIds, "user_ids");
  return Promise.all(
    scope.places.map((k) => PlaceTimesheets.open(d.db, d.users, k, scope.from, scope.to, userIds)),
  );
}

/** Rows ordered by place (as requested), day, user id; refused above maxTimesheetRows. */
export async function getTimesheet(
  d: AnalyticsDeps,
  req: GetTimesheetRequest,
): Promise<GetTimesheetResponse> {
  const sheets = await openAll(d, req);
  const total = sheets.reduce((n, s) => n + s.rowCount, 0);
  if (total > d.limits.maxTimesheetRows) {
    const people = sheets.reduce((n, s) => n + s.peopleCount, 0);
    throw new InvalidArgumentError(
      `the timesheet would hold ${total} rows (${people} people over ${sheets[0]?.days.length ?? 0} days), ` +
        `more than ${d.limits.maxTimesheetRows}: narrow the range or the people, or use ExportTimesheets`,
    );
  }
  const rows: TimesheetRow[] = [];
  for (const sheet of sheets) for await (const chunk of sheet.chunks()) rows.push(...chunk.rows);
  return { rows };
}

/** The same rows with no size limit, in batches; ClickHouse is read a few days ahead at most. */
export async function* exportTimesheets(
  d: AnalyticsDeps,
  req: ExportTimesheetsRequest,
): AsyncGenerator<ExportTimesheetsResponse> {
  for (const sheet of await openAll(d, req)) {
    for await (const { rows } of sheet.chunks()) {
      for (let i = 0; i < rows.length; i += EXPORT_BATCH) yield { rows: rows.slice(i, i + EXPORT_BATCH) };
    }
  }
}
