// The request bench:analytics times: a month's timesheet for every place, streamed and decoded.
import type { AnalyticsScope, AnalyticsServiceClient } from "@biometricflow/proto";
import { ExportTimesheetsResponse } from "@biometricflow/proto";
import { rowsOfBlock } from "@biometricflow/aggregator";

export interface Fetched {
  rows: number;
  people: number;
  messages: number;
  wireBytes: number;
  /** Turning the blocks into TimesheetRow objects, for a client that wants them (not in the timing). */
  toRowObjectsMs: number;
}

/** Timed: every message received and decoded into its columns (nice-grpc decodes each on arrival). */
export async function fetchMonth(
  client: AnalyticsServiceClient,
  scope: AnalyticsScope,
): Promise<ExportTimesheetsResponse[]> {
  const out: ExportTimesheetsResponse[] = [];
  for await (const m of client.exportTimesheets({ scope })) out.push(m);
  return out;
}

/** Not timed: what came. */
export function summarize(messages: ExportTimesheetsResponse[]): Fetched {
  const people = new Set<string>();
  let rows = 0;
  let wireBytes = 0;
  for (const m of messages) {
    const b = m.block!;
    rows += b.dateIndex.length;
    wireBytes += ExportTimesheetsResponse.encode(m).finish().length;
    for (const u of b.userIds) people.add(`${b.placeId}/${u}`);
  }
  const t0 = performance.now();
  let objects = 0;
  for (const m of messages) objects += rowsOfBlock(m.block!).length;
  const toRowObjectsMs = performance.now() - t0;
  if (objects !== rows) throw new Error(`blocks hold ${rows} rows but expand to ${objects}`);
  return { rows, people: people.size, messages: messages.length, wireBytes, toRowObjectsMs };
}
