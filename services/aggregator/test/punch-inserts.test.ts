// The followers' shared INSERT, against the real ClickHouse: rows added while it is open are one
// INSERT (one part for one month's punches), it ends at maxRows, at once when asked, and once
// nothing more comes; a failed INSERT fails every add it carried, and the next one is new.
import {
  lit,
  migrate,
  openTestClickHouse,
  sql,
  type ClickHouseDb,
  type OpenClickHouse,
} from "@biometricflow/clickhouse";
import { PunchSource, type Punch } from "@biometricflow/proto";
import { PunchInserts } from "../src/ingest/punch-inserts.js";
import { RowBinaryBatch } from "../src/ingest/row-binary-batch.js";
import { writePunchRow } from "../src/store/punch-row.js";
import { PunchStore } from "../src/store/punch-store.js";

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

let offset = 0;
/** `n` punches of one place and one month as RowBinary rows. */
function rows(placeId: string, n: number): Buffer {
  const batch = new RowBinaryBatch();
  for (let i = 0; i < n; i++) {
    offset++;
    const punch: Punch = {
      placeId,
      deviceId: "d1",
      deviceSerial: "SN1",
      userId: `u${offset}`,
      localTime: "2024-05-06T08:00:00",
      punchedAt: new Date("2024-05-06T07:00:00Z"),
      punchState: 0,
      verifyMethod: 1,
      receivedAt: new Date("2024-05-06T07:00:01Z"),
      dedupKey: `k${offset}`,
      offset,
      trace: { traceparent: "", tracestate: "" },
      source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
    };
    writePunchRow(punch, batch);
  }
  return Buffer.from(batch.bytes);
}

/** Rows stored for the place, and the parts their INSERTs made (merged ones included). */
async function stored(placeId: string): Promise<{ rows: number; parts: number }> {
  const [r] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${db.table("punches")} WHERE place_id = ${lit.string(placeId)}`,
  );
  const [p] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM system.parts WHERE database = ${lit.string(db.database)}
      AND table = 'punches' AND level = 0`,
  );
  return { rows: Number(r?.n), parts: Number(p?.n) };
}

const inserts = (o: { maxRows?: number; maxAgeMs?: number; idleMs?: number } = {}) =>
  new PunchInserts(() => new PunchStore(db).openPunchInsert(), {
    maxRows: o.maxRows ?? 1_000_000,
    maxAgeMs: o.maxAgeMs ?? 600_000,
    idleMs: o.idleMs ?? 600_000,
  });

test("adds while the INSERT is open go in it; it ends at maxRows, and at once when asked", async () => {
  const before = (await stored("a")).parts;
  const q = inserts({ maxRows: 30 });
  const first = [q.add(rows("a", 10), 10), q.add(rows("a", 10), 10)];
  await new Promise((resolve) => setImmediate(resolve));
  first.push(q.add(rows("a", 10), 10)); // the 30th row: the INSERT ends
  await Promise.all(first);
  expect(await stored("a")).toEqual({ rows: 30, parts: before + 1 });

  await q.add(rows("a", 5), 5, true); // a last flush: no waiting for more
  expect(await stored("a")).toEqual({ rows: 35, parts: before + 2 });
});

test("an INSERT nothing more is written to ends after idleMs", async () => {
  const before = (await stored("b")).parts;
  const q = inserts({ idleMs: 20 });
  await Promise.all([q.add(rows("b", 3), 3), q.add(rows("b", 4), 4)]);
  expect(await stored("b")).toEqual({ rows: 7, parts: before + 1 });
});

test("an INSERT the server rejects fails every add in it; then each add goes alone until one is stored", async () => {
  const q = inserts({ maxRows: 20 });
  const bad = () => Buffer.from([0x05, 0x61]); // a String of 5 bytes with 1 after it
  const good = q.add(rows("c", 10), 10);
  const refused = q.add(bad(), 10);
  await expect(good).rejects.toThrow();
  await expect(refused).rejects.toThrow();
  expect((await stored("c")).rows).toBe(0);

  // Retried together: the good rows are not held back by the bad ones.
  const before = (await stored("c")).parts;
  const again = q.add(rows("c", 10), 10);
  const refusedAgain = q.add(bad(), 10);
  await again;
  await expect(refusedAgain).rejects.toThrow();
  expect(await stored("c")).toEqual({ rows: 10, parts: before + 1 });

  // Once an INSERT is stored after the last failure, adds share an INSERT again.
  await q.add(rows("c", 5), 5, true);
  expect(await stored("c")).toEqual({ rows: 15, parts: before + 2 });
  await Promise.all([q.add(rows("c", 5), 5), q.add(rows("c", 15), 15)]); // 20 rows: maxRows
  expect(await stored("c")).toEqual({ rows: 35, parts: before + 3 });
});
