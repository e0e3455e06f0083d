import { InvalidArgumentError } from "@biometricflow/grpc-kit";
import type {
  ExportTimesheetsRequest,
  GetTimesheetRequest,
  GetTimesheetResponse,
  TimesheetRow,
} from "@biometricflow/proto";
import type { AnalyticsDeps } from "./analytics-deps.js";
import { PlaceTimesheets } from "./place-timesheets.js";
import { readAhead } from "./read-ahead.js";
import { validIds, validScope } from "./requests.js";
import type { ExportTimesheetsColumns } from "./timesheet-block-wire.js";
import { timesheetBlock, timesheetRow } from "./timesheet-format.js";

// Places whose next block is prepared while the current one is sent: ClickHouse and this
// process work at the same time, and memory stays at a few blocks.
const EXPORT_AHEAD = 3;

async function openAll(
  d: AnalyticsDeps,
  req: GetTimesheetRequest | ExportTimesheetsRequest,
): Promise<PlaceTimesheets[]> {
  const scope = validScope(req.scope, d.book, d.limits.maxRangeDays);
  const userIds = validIds(req.userIds, "user_ids");
  return PlaceTimesheets.openAll(d, scope.places, scope.from, scope.to, userIds);
}

/** Rows ordered by place (as requested), day, user id; refused above maxTimesheetRows. */
export async function getTimesheet(
  d: AnalyticsDeps,
  req: GetTimesheetRequest,
): Promise<GetTimesheetResponse> {
  const sheets = await openAll(d, req);
  const bounds = await Promise.all(sheets.map((s) => s.rowBound()));
  const total = bounds.reduce((n, b) => n + b.rows, 0);
  if (total > d.limits.maxTimesheetRows) {
    const people = bounds.reduce((n, b) => n + b.people, 0);
    throw new InvalidArgumentError(
      `the timesheet would hold up to ${total} rows (${people} people over ${sheets[0]?.days.length ?? 0} days), ` +
        `more than ${d.limits.maxTimesheetRows}: narrow the range or the people, or use ExportTimesheets`,
    );
  }
  const rows: TimesheetRow[] = [];
  for (const sheet of sheets) {
    for await (const chunk of sheet.chunks()) {
      chunk.forEachRow((u, _d, day) =>
        rows.push(timesheetRow(sheet.known.place.id, chunk.userIds[u]!, chunk.userNames[u]!, day)),
      );
    }
  }
  return { rows };
}

/** The same rows with no size limit, one compact block per ClickHouse round trip (a few days of one place). */
export async function* exportTimesheets(
  d: AnalyticsDeps,
  req: ExportTimesheetsRequest,
): AsyncGenerator<ExportTimesheetsColumns> {
  const sheets = await openAll(d, req);
  const blocks = sheets.map((sheet) => blocksOf(sheet)[Symbol.asyncIterator]());
  yield* readAhead(blocks, EXPORT_AHEAD);
}

async function* blocksOf(sheet: PlaceTimesheets): AsyncGenerator<ExportTimesheetsColumns> {
  for await (const chunk of sheet.chunks()) {
    yield { block: timesheetBlock(sheet.known.place.id, sheet.timeline, chunk) };
  }
}
