// A punch's TabSeparated row against the real ClickHouse: every column comes back as the place
// sent it, whatever characters the strings hold, and the trace id is what the W3C propagator reads.
import { migrate, openTestClickHouse, sql, lit, type OpenClickHouse } from "@biometricflow/clickhouse";
import { PunchSource, type Punch } from "@biometricflow/proto";
import { contextFromCarrier, traceIdOf } from "@biometricflow/telemetry";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { TsvBatch } from "../src/ingest/tsv-batch.js";
import { PunchBlockRows } from "../src/store/punch-block-rows.js";
import { punchLine } from "../src/store/punch-row.js";
import { punchBlockOf } from "./punch-blocks.js";
import { PunchStore } from "../src/store/punch-store.js";

let ch: OpenClickHouse;
beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
}, 60_000);
afterAll(async () => ch?.close());

function punch(offset: number, userId: string, over: Partial<Punch> = {}): Punch {
  return {
    placeId: "tsv",
    deviceId: "dev\t1",
    deviceSerial: "SN\\1",
    userId,
    localTime: "2024-05-06T08:00:00",
    punchedAt: new Date("2024-05-06T07:00:00.900Z"),
    punchState: 1,
    verifyMethod: 15,
    receivedAt: new Date("2024-05-06T07:00:02Z"),
    dedupKey: `key-${offset}`,
    offset,
    trace: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "" },
    source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
    ...over,
  };
}

test("awkward strings, times and numbers come back exactly as sent", async () => {
  const users = [
    "plain",
    "tab\there",
    "back\\slash",
    "new\nline",
    "cr\rlf",
    "nul\0byte",
    "ünï 漢字 🙂",
    "'\"`",
  ];
  const batch = new TsvBatch();
  users.forEach((u, i) => batch.add(punchLine(punch(i + 1, u)), i + 1));
  expect(batch.rows).toBe(users.length);
  expect(batch.lastOffset).toBe(users.length);
  await new PunchStore(ch.db).insertPunches(batch.bytes);

  const rows = await ch.db.rows<Record<string, string | number>>(
    sql`SELECT user_id, device_id, device_sn, toUnixTimestamp(punched_at) AS punched, toString(local_time) AS local,
      toUnixTimestamp(received_at) AS received, punch_state, verify_method, source, source_offset, trace_id
      FROM ${ch.db.table("punches")} WHERE place_id = ${lit.string("tsv")} ORDER BY source_offset`,
  );
  expect(rows.map((r) => r.user_id)).toEqual(users);
  expect(rows[0]).toEqual({
    user_id: "plain",
    device_id: "dev\t1",
    device_sn: "SN\\1",
    punched: Date.parse("2024-05-06T07:00:00Z") / 1000, // whole seconds: the column's precision
    local: "2024-05-06 08:00:00", // the wall clock unchanged, whatever the server's zone
    received: Date.parse("2024-05-06T07:00:02Z") / 1000,
    punch_state: 1,
    verify_method: 15,
    source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
    source_offset: "1",
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
  });
});

test("a columnar block stores exactly the rows its punches store as Punch messages", async () => {
  const users = ["plain", "tab\there", "back\\slash", "new\nline", "ünï 漢字 🙂", "plain"];
  const traces = [
    { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "" },
    { traceparent: "not a traceparent ü", tracestate: "k=v" },
    undefined,
  ];
  const of = (placeId: string): Punch[] =>
    users.map((u, i) =>
      punch(i + 1, u, {
        placeId,
        localTime: `2024-05-0${i + 1}T0${i}:00:59`,
        punchedAt: new Date(Date.UTC(2024, 4, i + 1, i, 0, 59, 999)),
        punchState: i,
        trace: traces[i % 3],
        ...(i === 2 ? { dedupKey: "ключ-3" } : {}), // not ASCII: lengths in bytes are not characters
      }),
    );
  const classic = new TsvBatch();
  for (const p of of("tsv-classic")) classic.add(punchLine(p), p.offset);
  const block = new PunchBlockRows(punchBlockOf(of("tsv-block")));
  const columnar = new TsvBatch();
  for (let i = 0; i < block.count; i++) columnar.add(block.line(i), block.offset(i));
  const store = new PunchStore(ch.db);
  await store.insertPunches(classic.bytes);
  await store.insertPunches(columnar.bytes);
  const rowsOf = (placeId: string) =>
    ch.db.rows<Record<string, string | number>>(
      sql`SELECT * FROM ${ch.db.table("punches")} WHERE place_id = ${lit.string(placeId)} ORDER BY source_offset`,
    );
  const withoutPlace = (rs: Record<string, string | number>[]) => rs.map(({ place_id: _, ...r }) => r);
  const stored = await rowsOf("tsv-classic");
  expect(stored).toHaveLength(users.length);
  expect(withoutPlace(await rowsOf("tsv-block"))).toEqual(withoutPlace(stored));
  expect(block.punch(4)).toEqual(of("tsv-block")[4]);
});

test("a punch ClickHouse cannot hold is refused, not stored wrong", () => {
  expect(() => punchLine(punch(1, "u", { localTime: "1969-12-31T23:59:59" }))).toThrow(
    /tsv#1 has local_time "1969-12-31T23:59:59": cannot store it/,
  );
  expect(() => punchLine(punch(2, "u", { receivedAt: new Date(NaN) }))).toThrow(/invalid received_at/);
  const bad = (over: Partial<Punch>) => new PunchBlockRows(punchBlockOf([punch(3, "u", over)])).line(0);
  expect(() => bad({ localTime: "1969-12-31T23:59:59" })).toThrow(/tsv#3 has local_time .*: cannot store it/);
  expect(() => bad({ localTime: "2024-05-06 08:00" })).toThrow(/tsv#3 has local_time NaN/);
  expect(() => bad({ receivedAt: new Date(NaN) })).toThrow(/invalid instant/);
});

test("traceIdOf reads a traceparent exactly as the W3C propagator does", () => {
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
  const parts = fc.tuple(
    fc.oneof(hex(2), fc.constantFrom("00", "ff", "01")),
    fc.oneof(hex(32), fc.constant("0".repeat(32))),
    fc.oneof(hex(16), fc.constant("0".repeat(16))),
    hex(2),
    fc.constantFrom("", "-x", "-", " ", "\t"),
    fc.constantFrom("", " "),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        parts.map(([v, t, s, f, tail, lead]) => `${lead}${v}-${t}-${s}-${f}${tail}`),
        fc.string(),
      ),
      (tp) => {
        const carrier = { traceparent: tp, tracestate: "" };
        const expected = trace.getSpanContext(contextFromCarrier(carrier))?.traceId ?? "";
        expect(traceIdOf(carrier)).toBe(expected);
      },
    ),
    { numRuns: 2_000 },
  );
});
