// Every literal renderer, and what the real ClickHouse reads back from it.
import fc from "fast-check";
import { joinSql, lit, sql, Sql, SqlLiteralError } from "../src/sql-literal.js";
import { openTestClickHouse } from "../src/testing.js";
import type { OpenClickHouse } from "../src/open-clickhouse.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

let ch: OpenClickHouse;
beforeAll(async () => {
  ch = await openTestClickHouse();
}, 60_000);
afterAll(async () => ch?.close());

const nasty = [
  "x' OR 1=1 --",
  "\\'",
  "\\",
  "'",
  "''",
  "\\\\'; DROP TABLE punches; --",
  "a\nb\rc\td",
  "nul\0byte",
  "\x01\x1f\x7f",
  "Zoë Ünïcødé 中文 🙂 \u2028\u2029",
  '${x} ? :p {p:String} %s `tick` "dq"',
  "/* comment */ -- line",
  "",
];

async function roundTrip(s: string): Promise<string> {
  const [row] = await ch.db.rows<{ v: string }>(sql`SELECT ${lit.string(s)} AS v`);
  return row!.v;
}

describe("lit.string", () => {
  test.each(nasty)("reads back exactly: %j", async (s) => {
    expect(await roundTrip(s)).toBe(s);
  });

  test("any well-formed string reads back exactly (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 40 }), async (s) => {
        expect(await roundTrip(s)).toBe(s);
      }),
      { numRuns: 150 },
    );
  });

  test("escapes quotes and backslashes in the text", () => {
    expect(lit.string("a'b\\c").text).toBe("'a\\'b\\\\c'");
  });

  test("refuses a lone surrogate (it cannot be UTF-8)", () => {
    expect(() => lit.string("a\uD800b")).toThrow(SqlLiteralError);
  });

  test("an injection string compares as one value", async () => {
    const [row] = await ch.db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM numbers(10) WHERE toString(number) = ${lit.string("1' OR 1=1 --")}`,
    );
    expect(Number(row!.n)).toBe(0);
  });
});

describe("integers", () => {
  test("validated against the type's range", () => {
    expect(lit.uint32(4_294_967_295).text).toBe("toUInt32(4294967295)");
    expect(() => lit.uint32(-1)).toThrow(SqlLiteralError);
    expect(() => lit.uint32(4_294_967_296)).toThrow(SqlLiteralError);
    expect(() => lit.uint8(1.5)).toThrow(SqlLiteralError);
    expect(() => lit.int32(Number.NaN)).toThrow(SqlLiteralError);
    expect(() => lit.uint64(2 ** 60)).toThrow(SqlLiteralError); // not a safe integer: use bigint
    expect(() => lit.uint32("1 OR 1=1" as unknown as number)).toThrow(SqlLiteralError);
  });

  test("read back by ClickHouse", async () => {
    const [row] = await ch.db.rows<Record<string, string | number>>(
      sql`SELECT ${lit.uint64(18_446_744_073_709_551_615n)} AS a, ${lit.int64(-9_000_000_000n)} AS b, ${lit.int32(-5)} AS c, ${lit.float(0.25)} AS d`,
    );
    expect(row).toEqual({ a: "18446744073709551615", b: "-9000000000", c: -5, d: 0.25 });
  });
});

describe("dates", () => {
  test("calendar dates only", () => {
    expect(lit.date("2024-02-29").text).toBe("toDate('2024-02-29')");
    for (const bad of ["2023-02-29", "2024-13-01", "2024-1-01", "2024-01-01' OR '1", "1969-12-31", ""]) {
      expect(() => lit.date(bad)).toThrow(SqlLiteralError);
    }
  });

  test("date-times in UTC, whatever the server's zone", async () => {
    const [row] = await ch.db.rows<{ a: string; b: string; u: string }>(
      sql`SELECT ${lit.dateTime("2024-03-31 01:30:00")} AS a, ${lit.dateTime(new Date("2024-01-02T03:04:05.678Z"))} AS b, toString(toUnixTimestamp(${lit.dateTime("1970-01-01T00:00:10")})) AS u`,
    );
    expect(row).toEqual({ a: "2024-03-31 01:30:00", b: "2024-01-02 03:04:05", u: "10" });
    for (const bad of ["2024-01-01 24:00:00", "2024-01-01", "2024-02-30 00:00:00", "x"]) {
      expect(() => lit.dateTime(bad)).toThrow(SqlLiteralError);
    }
    expect(() => lit.dateTime(new Date(Number.NaN))).toThrow(SqlLiteralError);
  });
});

describe("lists, arrays, identifiers, the tag", () => {
  test("IN lists and arrays of literals", async () => {
    const [row] = await ch.db.rows<{ a: string[]; n: string }>(
      sql`SELECT ${lit.array(lit.strings(["a'", "b\\"]))} AS a, count() AS n FROM system.one WHERE 'b\\\\' IN ${lit.inList(lit.strings(["a'", "b\\"]))}`,
    );
    expect(row).toEqual({ a: ["a'", "b\\"], n: "1" });
    expect(() => lit.inList([])).toThrow(SqlLiteralError);
  });

  test("tables come from the whitelist; databases are plain names", () => {
    expect(lit.table("biometricflow", "punches").text).toBe("biometricflow.punches");
    expect(() => lit.table("biometricflow", "system.users")).toThrow(SqlLiteralError);
    expect(() => lit.table("bio; DROP", "punches")).toThrow(SqlLiteralError);
    expect(() => lit.database("Biometric-Flow")).toThrow(SqlLiteralError);
  });

  test("the tag refuses anything but Sql values", () => {
    const raw = "1; DROP TABLE x" as unknown as Sql;
    expect(() => sql`SELECT ${raw}`).toThrow(SqlLiteralError);
    expect(() => (sql as unknown as (s: string) => Sql)("SELECT 1")).toThrow(SqlLiteralError);
    expect(joinSql([lit.uint8(1), lit.string("x")], ", ").text).toBe("toUInt8(1), 'x'");
  });
});
