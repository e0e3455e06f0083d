// Inserts through ClickHouseDb on a real server: concurrent small inserts into a table share one
// INSERT (one new part, not one per caller), and a RowBinary body may come in several buffers.
import { randomBytes } from "node:crypto";
import { ClickHouseDb } from "../src/clickhouse-db.js";
import { migrate } from "../src/migrations/migrate.js";
import type { OpenClickHouse } from "../src/open-clickhouse.js";
import { putString, putUInt64 } from "../src/row-binary-writer.js";
import { lit, sql } from "../src/sql-literal.js";
import { openTestClickHouse } from "../src/testing.js";

jest.setTimeout(60_000);

let ch: OpenClickHouse;
let db: ClickHouseDb;
beforeAll(async () => {
  ch = await openTestClickHouse();
  db = new ClickHouseDb({ url: ch.url, database: `db_${randomBytes(4).toString("hex")}` });
  await migrate(db);
}, 60_000);
afterAll(async () => {
  await db?.command(sql`DROP DATABASE IF EXISTS ${lit.database(db.database)}`);
  await db?.close();
  await ch?.close();
});

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

test("a RowBinary body given as several buffers is one insert of all their rows", async () => {
  const row = (placeId: string, offset: number): Buffer => {
    const buf = Buffer.alloc(64);
    return buf.subarray(0, putUInt64(buf, putString(buf, 0, placeId), offset));
  };
  await db.insertRowBinary(
    "ingest_offsets",
    ["place_id", "committed_offset"],
    [Buffer.concat([row("a", 1), row("b", 2)]), Buffer.alloc(0), row("c", 3)],
  );
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
