// The limit's input: every journal row as the aggregator stores it (the place's punchToProto, then
// the same values the aggregator writes as RowBinary, here as TabSeparated text), written once as a
// TabSeparated file for `clickhouse-client --query "INSERT ... FORMAT TabSeparated" < file`.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { PUNCH_COLUMNS } from "@biometricflow/aggregator/dist/store/punch-row.js";
import { tsvString } from "@biometricflow/clickhouse";
import { Journal } from "@biometricflow/place";
import { punchToProto } from "@biometricflow/place/dist/grpc/to-proto.js";
import type { Punch } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";
import type { JournalSet } from "./fill-journals.js";

export interface LimitFile {
  path: string;
  rows: number;
  bytes: number;
  /** Column names in file order. */
  columns: string[];
}

const PAGE = 10_000;

const seconds = (d: Date | undefined): number => Math.max(0, Math.floor((d?.getTime() ?? 0) / 1000));

/**
 * A punch's TabSeparated line in PUNCH_COLUMNS order: the text the aggregator sent before it sent
 * RowBinary (the file's name says which text it holds, so a cached file stays valid).
 */
function punchLine(p: Punch): string {
  return (
    `${tsvString(p.placeId)}\t${tsvString(p.dedupKey)}\t${tsvString(p.deviceId)}\t` +
    `${tsvString(p.deviceSerial)}\t${tsvString(p.userId)}\t${seconds(p.punchedAt)}\t` +
    `${p.localTime}\t${p.punchState}\t${p.verifyMethod}\t${p.source}\t` +
    `${seconds(p.receivedAt)}\t${p.offset}\t${traceIdOf(p.trace)}\n`
  );
}

/** Write (or reuse) journals.dir/punches.tsv; the journals must not be open elsewhere. */
export function writeLimitFile(journals: JournalSet): LimitFile {
  const file = path.join(journals.dir, "punches-v2.tsv"); // v2: this punchLine's text
  const marker = `${file}.json`;
  if (existsSync(marker)) return JSON.parse(readFileSync(marker, "utf8")) as LimitFile;
  const fd = openSync(`${file}.part`, "w");
  let rows = 0;
  let bytes = 0;
  try {
    for (const id of journals.placeIds) {
      const journal = Journal.open(path.join(journals.dir, `${id}.db`), id);
      try {
        for (let after = 0; ;) {
          const page = journal.punches.after(after, PAGE);
          if (page.length === 0) break;
          let text = "";
          for (const r of page) {
            text += punchLine(punchToProto(r));
            rows++;
          }
          bytes += writeSync(fd, text);
          after = page[page.length - 1]!.offset;
        }
      } finally {
        journal.close();
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(`${file}.part`, file);
  const result: LimitFile = { path: file, rows, bytes, columns: [...PUNCH_COLUMNS] };
  writeFileSync(marker, JSON.stringify(result));
  return result;
}
