// The limit's input: every journal row as the aggregator would store it (the place's punchToProto,
// then the aggregator's punchLine: the very text the aggregator sends), written once as a TabSeparated file
// for `clickhouse-client --query "INSERT ... FORMAT TabSeparated" < file`.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { PUNCH_COLUMNS, punchLine } from "@biometricflow/aggregator/dist/store/punch-row.js";
import { Journal } from "@biometricflow/place";
import { punchToProto } from "@biometricflow/place/dist/grpc/to-proto.js";
import type { JournalSet } from "./fill-journals.js";

export interface LimitFile {
  path: string;
  rows: number;
  bytes: number;
  /** Column names in file order. */
  columns: string[];
}

const PAGE = 10_000;

/** Write (or reuse) journals.dir/punches.tsv; the journals must not be open elsewhere. */
export function writeLimitFile(journals: JournalSet): LimitFile {
  const file = path.join(journals.dir, "punches-v2.tsv"); // v2: punchLine's text
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
