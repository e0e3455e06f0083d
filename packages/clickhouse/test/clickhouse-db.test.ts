// Inserts through ClickHouseDb on a real server: concurrent small inserts into a table share one
// INSERT (one new part, not one per caller), and a RowBinary INSERT is written while it runs.
import type { ClickHouseDb } from "../src/clickhouse-db.js";
import { migrate } from "../src/migrations/migrate.js";
import type { OpenClickHouse } from "../src/open-clickhouse.js";
import { putString, putUInt64 } from "../src/row-binary-writer.js";
import { lit, sql } from "../src/sql-literal.js";
import { openTestClickHouse } from "../src/testing.js";

jest.setTimeout(60_000);

// A database of this file's own (openTestClickHouse): the parts counted below are only its inserts'.
let ch: OpenClickHouse;
let db: ClickHouseDb;
beforeAll(async () => {
  ch = await openTestClickHouse();
  db = ch.db;
  await migrate(db);
}, 60_000);
afterAll(async () => ch?.close());

/** Parts the inserts made (level 0), those merged away since included. */
const insertedParts = async (table: string): Promise<number> => {
  const [row] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM system.parts
      WHERE database = ${lit.string(db.database)} AND table = ${lit.string(table)} AND level = 0`,
  );
  return Number(row?.n);
};

test("small inserts made together into one table are stored as one part, every row of them", async () => {
  const offsets = [1, 2, 3, 4, 5];
  await Promise.all(
    offsets.map((offset) =>
      db.insert("journal_offsets", [
        {
          place_id: `p${offset}`,
          journal_id: "j",
          committed_offset: offset,
          head_offset: 9,
          committed_at_ms: 1,
        },
      ]),
    ),
  );
  const rows = await db.rows<{ place_id: string; committed_offset: string }>(
    sql`SELECT place_id, committed_offset FROM ${db.table("journal_offsets")} ORDER BY place_id`,
  );
  expect(rows.map((r) => [r.place_id, Number(r.committed_offset)])).toEqual(offsets.map((o) => [`p${o}`, o]));
  expect(await insertedParts("journal_offsets")).toBe(1);
});

test("a RowBinary insert written over several turns stores every row as one part", async () => {
  const row = (placeId: string, offset: number): Buffer => {
    const buf = Buffer.alloc(64);
    return buf.subarray(0, putUInt64(buf, putString(buf, 0, placeId), offset));
  };
  const insert = db.openRowBinaryInsert("ingest_offsets", ["place_id", "committed_offset"]);
  insert.write(Buffer.concat([row("a", 1), row("b", 2)]));
  await new Promise((resolve) => setImmediate(resolve)); // the request is under way meanwhile
  insert.write(Buffer.alloc(0));
  insert.write(row("c", 3));
  await insert.end();
  const rows = await db.arrays<[string, string]>(
    sql`SELECT place_id, committed_offset FROM ${db.table("ingest_offsets")} ORDER BY place_id`,
  );
  expect(rows).toEqual([
    ["a", "1"],
    ["b", "2"],
    ["c", "3"],
  ]);
  expect(await insertedParts("ingest_offsets")).toBe(1);
});

test("a RowBinary insert the server rejects fails with its message, and takes no row", async () => {
  const count = async (): Promise<number> =>
    Number((await db.rows<{ n: string }>(sql`SELECT count() AS n FROM ${db.table("ingest_offsets")}`))[0]?.n);
  const before = await count();
  const insert = db.openRowBinaryInsert("ingest_offsets", ["place_id", "committed_offset"]);
  insert.write(Buffer.concat([Buffer.from([0x01, 0x61]), Buffer.alloc(8)])); // ("a", 0): a good row
  insert.write(Buffer.from([0x05, 0x61])); // then a String of 5 bytes with 1 byte after it
  await expect(insert.end()).rejects.toThrow(/Cannot read all data|ATTEMPT_TO_READ_AFTER_EOF|EOF/i);
  insert.write(Buffer.from([0x01])); // too late: ignored, no throw
  expect(await count()).toBe(before);
});
