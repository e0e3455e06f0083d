// A punch's RowBinary row against the real ClickHouse: every column comes back as the place sent it,
// whatever characters the strings hold, and the trace id is what the W3C propagator reads.
import { migrate, openTestClickHouse, sql, lit, type OpenClickHouse } from "@biometricflow/clickhouse";
import { PunchSource, type Punch } from "@biometricflow/proto";
import { contextFromCarrier, traceIdAt, traceIdOf } from "@biometricflow/telemetry";
import { trace } from "@opentelemetry/api";
import fc from "fast-check";
import { RowBinaryBatch } from "../src/ingest/row-binary-batch.js";
import { PunchBlockRows } from "../src/store/punch-block-rows.js";
import { writePunchRow } from "../src/store/punch-row.js";
import { packedBlockOf, punchBlockOf } from "./punch-blocks.js";
import { insertRows } from "./helpers.js";

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
  const batch = new RowBinaryBatch();
  users.forEach((u, i) => writePunchRow(punch(i + 1, u), batch));
  expect(batch.rows).toBe(users.length);
  expect(batch.lastOffset).toBe(users.length);
  await insertRows(ch.db, batch.bytes);

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
  const classic = new RowBinaryBatch();
  for (const p of of("tsv-classic")) writePunchRow(p, classic);
  const block = new PunchBlockRows(punchBlockOf(of("tsv-block")));
  const columnar = new RowBinaryBatch();
  for (let i = 0; i < block.count; i++) block.write(i, columnar);
  expect(columnar.lastOffset).toBe(users.length);
  await insertRows(ch.db, classic.bytes);
  await insertRows(ch.db, columnar.bytes);
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

test("long strings and many rows: lengths past one LEB128 byte, a buffer that grows", async () => {
  const long = (i: number, n: number) => `${i}:${"ü\t\\x".repeat(n)}`;
  const punches = Array.from({ length: 5_000 }, (_, k) =>
    punch(k + 1, k % 7 === 0 ? long(k, 60) : `u${k % 300}`, {
      placeId: "rb-long",
      dedupKey: k % 5 === 0 ? long(k, 80) : `key-${k}`,
      deviceId: k % 11 === 0 ? long(k % 3, 50) : "dev",
      punchedAt: new Date(Date.UTC(2105, 11, 31, 23, 59, 59) + k),
    }),
  );
  const classic = new RowBinaryBatch();
  for (const p of punches) writePunchRow(p, classic);
  const block = new PunchBlockRows(punchBlockOf(punches));
  const columnar = new RowBinaryBatch();
  for (let i = 0; i < block.count; i++) block.write(i, columnar);
  expect(columnar.bytes.equals(classic.bytes)).toBe(true); // the same bytes either way
  const packed = new PunchBlockRows(packedBlockOf(punches));
  const fromPacked = new RowBinaryBatch();
  for (let i = 0; i < packed.count; i++) packed.write(i, fromPacked);
  expect(fromPacked.bytes.equals(classic.bytes)).toBe(true);
  expect(packed.punch(7)).toEqual(punches[7]);
  expect(packed.trace(3)).toEqual(punches[3]!.trace);
  expect(classic.length).toBeGreaterThan(1 << 20); // past the first buffer
  await insertRows(ch.db, columnar.bytes);
  const rows = await ch.db.arrays<[string, string, string, number, string]>(
    sql`SELECT user_id, dedup_key, device_id, toUnixTimestamp(punched_at), source_offset
      FROM ${ch.db.table("punches")} WHERE place_id = ${lit.string("rb-long")} ORDER BY source_offset`,
  );
  expect(rows).toEqual(
    punches.map((p) => [
      p.userId,
      p.dedupKey,
      p.deviceId,
      Math.floor(p.punchedAt!.getTime() / 1000),
      String(p.offset),
    ]),
  );
});

test("a punch ClickHouse cannot hold is refused with its place and offset, and nothing of it is written", () => {
  const out = new RowBinaryBatch();
  writePunchRow(punch(1, "good"), out);
  const good = Buffer.from(out.bytes);
  const refused = (over: Partial<Punch>) => {
    let message = "";
    try {
      writePunchRow(punch(2, "u", over), out);
    } catch (err) {
      message = (err as Error).message;
    }
    let blockMessage = "";
    try {
      new PunchBlockRows(punchBlockOf([punch(2, "u", over)])).write(0, out);
    } catch (err) {
      blockMessage = (err as Error).message;
    }
    // toThrow with a string: the message contains it
    expect(() => new PunchBlockRows(packedBlockOf([punch(2, "u", over)])).write(0, out)).toThrow(
      blockMessage,
    );
    expect(out.bytes).toEqual(good);
    expect(out.rows).toBe(1);
    expect(out.lastOffset).toBe(1);
    return [message, blockMessage];
  };
  expect(refused({ localTime: "1969-12-31T23:59:59" })).toEqual([
    'punch tsv#2 has local_time "1969-12-31T23:59:59": cannot store it',
    "punch tsv#2 has local_time -1 (seconds): cannot store it",
  ]);
  expect(refused({ localTime: "2106-01-01T00:00:00" })).toEqual([
    'punch tsv#2 has local_time "2106-01-01T00:00:00": cannot store it',
    "punch tsv#2 has local_time 4291747200 (seconds): cannot store it",
  ]);
  expect(refused({ localTime: "2024-05-06 08:00" })).toEqual([
    'punch tsv#2 has local_time "2024-05-06 08:00": cannot store it',
    "punch tsv#2 has local_time NaN (seconds): cannot store it",
  ]);
  const [invalid] = refused({ receivedAt: new Date(NaN) });
  expect(invalid).toBe("punch tsv#2 has an invalid received_at (NaN ms): cannot store it");
  const late = Date.UTC(2106, 1, 8);
  expect(refused({ punchedAt: new Date(late) })).toEqual([
    `punch tsv#2 has an invalid punched_at (${late} ms): cannot store it`,
    `punch tsv#2 has an invalid punched_at (${late} ms): cannot store it`,
  ]);
  expect(refused({ source: 256 as PunchSource })).toEqual([
    "punch tsv#2 has source 256: cannot store it",
    "punch tsv#2 has source 256: cannot store it",
  ]);
});

test("a block whose columns do not fit its count is refused", () => {
  const ps = [punch(1, "a"), punch(2, "b")];
  const short = { ...punchBlockOf(ps), count: 3 };
  expect(() => new PunchBlockRows(short)).toThrow("punch block at 1: a column is not 3 long");
  const packed = packedBlockOf(ps);
  expect(() => new PunchBlockRows({ ...packed, count: 5 })).toThrow(
    `punch block at 1: packed columns are ${packed.packed.length} bytes, not 320+`,
  );
  expect(() => new PunchBlockRows({ ...packed, packed: packed.packed.subarray(0, -1) })).toThrow(
    "punch block at 1: traceparents: the lengths do not add up",
  );
});

test("a trace id read from a traceparent's bytes is the one traceIdOf reads, or left to it", () => {
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
  const traceparent = fc.oneof(
    fc
      .tuple(
        fc.oneof(hex(2), fc.constantFrom("00", "ff", "01")),
        fc.oneof(hex(32), fc.constant("0".repeat(32))),
        fc.oneof(hex(16), fc.constant("0".repeat(16))),
        hex(2),
        fc.constantFrom("", "-x", "-", " "),
        fc.constantFrom("", " "),
      )
      .map(([v, t, s, f, tail, lead]) => `${lead}${v}-${t}-${s}-${f}${tail}`),
    fc.string({ minLength: 55, maxLength: 55 }),
    fc.string(),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 3 }), traceparent, (before, tp) => {
      const bytes = Buffer.from(before + tp);
      const from = Buffer.byteLength(before);
      const at = traceIdAt(bytes, from, bytes.length);
      // The fast path may decline (-1) only what traceIdOf does not read as the 32 hex after "vv-".
      const expected = traceIdOf({ traceparent: tp, tracestate: "" });
      if (at >= 0) expect(bytes.toString("latin1", at, at + 32)).toBe(expected);
      else if (tp.length === 55 && !/\s/.test(tp)) expect(expected).not.toBe(tp.slice(3, 35));
    }),
    { numRuns: 5_000 },
  );
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
