// Query results in RowBinary, read back by RowBinaryReader from a real server.
import type { OpenClickHouse } from "../src/open-clickhouse.js";
import { RowBinaryError, RowBinaryReader, StringTable } from "../src/row-binary-reader.js";
import { lit, sql } from "../src/sql-literal.js";
import { openTestClickHouse } from "../src/testing.js";

jest.setTimeout(60_000);

let ch: OpenClickHouse;
beforeAll(async () => {
  ch = await openTestClickHouse();
}, 60_000);
afterAll(async () => {
  await ch?.close();
});

// Ids that repeat (the reader keeps one string per distinct value), text that is not ASCII, long
// enough for a two-byte length, and bytes that TabSeparated or JSON would escape.
const texts = ["gate-1", "gate-2", "Zoë 北门", "x".repeat(200), "", 'tab\there\nnew \\ "q"'];

test("numbers and strings come back as the server computed them", async () => {
  const rows = 5_000;
  const buf = await ch.db.rowBinary(sql`
    SELECT toUInt16(number % 65536), toUInt32(number * 1000003 % 4294967296), toInt32(toInt64(number) - 2500),
      arrayElement(${lit.array(lit.strings(texts))}, number * 7 % 11 % ${lit.int32(texts.length)} + 1),
      concat('user-', toString(number))
    FROM system.numbers LIMIT 5000`);
  const r = new RowBinaryReader(buf);
  const table = new StringTable();
  for (let n = 0; n < rows; n++) {
    expect([r.uint16(), r.uint32(), r.int32()]).toEqual([n % 65536, (n * 1000003) % 4294967296, n - 2500]);
    const k = r.stringIndex(table);
    expect(table.texts[k]).toBe(texts[((n * 7) % 11) % texts.length]);
    expect(r.string()).toBe(`user-${n}`);
  }
  expect(r.done).toBe(true);
  // One entry per distinct value, each read from its bytes once.
  expect([...table.texts].sort()).toEqual([...texts].sort());
});

test("a result shorter than the values asked for is an error, not a wrong value", async () => {
  const buf = await ch.db.rowBinary(sql`SELECT toUInt32(7), 'abc'`);
  const cut = new RowBinaryReader(buf.subarray(0, buf.length - 1));
  expect(cut.uint32()).toBe(7);
  expect(() => cut.string()).toThrow(RowBinaryError);
  expect(() => new RowBinaryReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).length()).toThrow(
    /runs past 5 bytes/,
  );
  expect(() => new RowBinaryReader(Buffer.alloc(3)).int32()).toThrow(/ends at byte 3, 4 more/);
});

test("ids whose bytes hash alike stay apart", () => {
  // Pairs with the same 32-bit FNV-1a hash, the table's key.
  const ids = ["costarring", "liquid", "declinate", "macallums", "liquid", "costarring"];
  const table = new StringTable();
  const buf = Buffer.from(ids.join(""));
  let at = 0;
  const indexes = ids.map((id) => table.indexOf(buf, (at += id.length) - id.length, id.length));
  expect(indexes).toEqual([0, 1, 2, 3, 1, 0]);
  expect(table.texts).toEqual(["costarring", "liquid", "declinate", "macallums"]);
});
