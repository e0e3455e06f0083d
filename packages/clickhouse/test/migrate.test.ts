// Migrations are idempotent and versioned; the punches table keeps the FINAL-count contract.
import { randomBytes } from "node:crypto";
import { ClickHouseDb } from "../src/clickhouse-db.js";
import { migrate, MigrationError } from "../src/migrations/migrate.js";
import { migrations } from "../src/migrations/schema.js";
import type { OpenClickHouse } from "../src/open-clickhouse.js";
import { lit, sql } from "../src/sql-literal.js";
import { openTestClickHouse } from "../src/testing.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

let ch: OpenClickHouse;
const dbs: ClickHouseDb[] = [];
beforeAll(async () => {
  ch = await openTestClickHouse();
}, 60_000);
afterAll(async () => {
  for (const db of dbs) {
    await db.command(sql`DROP DATABASE IF EXISTS ${lit.database(db.database)}`);
    await db.close();
  }
  await ch?.close();
});

/** A database of its own for one test, on the test's server. */
function freshDb(): ClickHouseDb {
  const db = new ClickHouseDb({ url: ch.url, database: `mig_${randomBytes(4).toString("hex")}` });
  dbs.push(db);
  return db;
}

const newest = Math.max(...migrations.map((m) => m.version));

test("the first run applies every version; later runs, even concurrent ones, apply none", async () => {
  const db = freshDb();
  expect(await migrate(db)).toEqual({ applied: migrations.map((m) => m.version), version: newest });
  expect(await Promise.all([migrate(db), migrate(db)])).toEqual([
    { applied: [], version: newest },
    { applied: [], version: newest },
  ]);
  const tables = await db.rows<{ name: string }>(
    sql`SELECT name FROM system.tables WHERE database = ${lit.string(db.database)} ORDER BY name`,
  );
  expect(tables.map((t) => t.name)).toEqual([
    "device_states",
    "ingest_offsets",
    "journal_offsets",
    "place_rules",
    "places",
    "punches",
    "schema_migrations",
    "user_changes",
    "users",
  ]);
});

test("a migration cut short (its table made, its version not recorded) runs again cleanly", async () => {
  const db = freshDb();
  const last = migrations.find((m) => m.version === newest)!;
  await migrate(
    db,
    migrations.filter((m) => m !== last),
  );
  for (const statement of last.statements(db)) await db.command(statement); // then the crash
  expect(await migrate(db)).toEqual({ applied: [newest], version: newest });
  expect(await migrate(db)).toEqual({ applied: [], version: newest });
});

test("a database from a newer build is refused with a message", async () => {
  const db = freshDb();
  await migrate(db);
  await db.insert("schema_migrations", [{ version: newest + 1, name: "from_the_future" }]);
  await expect(migrate(db)).rejects.toThrow(MigrationError);
  await expect(migrate(db)).rejects.toThrow(/newer than this build knows/);
});

test("contract: count() FINAL of punches is the number of distinct punches, however often replayed", async () => {
  const db = freshDb();
  await migrate(db);
  const punch = (i: number, offset: number) => ({
    place_id: i % 2 ? "p1" : "p2",
    dedup_key: `k${i}`,
    device_id: "d1",
    device_sn: "SN1",
    user_id: `u${i % 7}`,
    punched_at: "2024-05-06 07:00:00",
    local_time: `2024-0${1 + (i % 3)}-${String(1 + (i % 28)).padStart(2, "0")} 08:00:00`,
    punch_state: 0,
    verify_method: 1,
    source: 1,
    received_at: "2024-05-06 07:00:01",
    source_offset: offset,
    trace_id: "",
  });
  const distinct = Array.from({ length: 500 }, (_, i) => punch(i, i + 1));
  await db.insert("punches", distinct);
  await db.insert("punches", distinct.slice(100, 300));
  await db.insert(
    "punches",
    distinct.slice(0, 50).map((p, i) => ({ ...p, source_offset: 1000 + i })),
  );
  const count = async () =>
    (await db.rows<{ n: string }>(sql`SELECT count() AS n FROM ${db.table("punches")} FINAL`))[0]!.n;
  expect(await count()).toBe("500");
  await db.command(sql`OPTIMIZE TABLE ${db.table("punches")} FINAL`);
  expect(await count()).toBe("500");
});

test("upgrading seeds rules and people history from what was stored, once however often it runs", async () => {
  const db = freshDb();
  await migrate(
    db,
    migrations.filter((m) => m.version <= 5),
  );
  await db.insert("places", [
    {
      place_id: "p1",
      name: "P1",
      timezone: "Africa/Lagos",
      address: "127.0.0.1:1",
      shift_start: "08:00",
      shift_end: "17:00",
      grace_minutes: 10,
      min_hours_present: 4,
      weekend_days: [0, 6],
      holidays: ["2024-05-08"],
      break_minutes: 60,
      version: 1714000000000,
    },
  ]);
  const user = (user_id: string, disabled: number, deleted: number) => ({
    place_id: "p1",
    user_id,
    name: user_id,
    privilege: 0,
    card: 0,
    disabled,
    deleted,
    updated_at: "2024-05-01 00:00:00",
    version: 1,
  });
  await db.insert("users", [user("a", 0, 0), user("b", 1, 0), user("c", 0, 1)]);
  expect((await migrate(db)).applied).toEqual([6, 7, 8]);
  // A run cut short after the seeds repeats them: FINAL still shows one row per key.
  for (const m of migrations.filter((m) => m.version >= 6)) {
    for (const statement of m.statements(db)) await db.command(statement);
  }
  expect(
    await db.rows(
      sql`SELECT place_id, effective_ms, shift_start, holidays FROM ${db.table("place_rules")} FINAL`,
    ),
  ).toEqual([
    { place_id: "p1", effective_ms: "1714000000000", shift_start: "08:00", holidays: ["2024-05-08"] },
  ]);
  expect(
    await db.rows(
      sql`SELECT user_id, effective_ms, expected FROM ${db.table("user_changes")} FINAL ORDER BY user_id`,
    ),
  ).toEqual([
    { user_id: "a", effective_ms: "0", expected: 1 },
    { user_id: "b", effective_ms: "0", expected: 0 },
    { user_id: "c", effective_ms: "0", expected: 0 },
  ]);
});
