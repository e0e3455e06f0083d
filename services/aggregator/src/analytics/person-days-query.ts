import { lit, RowBinaryReader, sql, StringTable, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { RulesSegment } from "../rules/rules-timeline.js";
import type { PersonDayPunches } from "../rules/timesheet-day.js";
import { anyOf, workDaySql } from "./work-day-sql.js";

// The fewest bytes a row of personDays' query takes: one-byte lengths of three strings (an empty
// string is its length alone), UInt16, UInt32 and three Int32.
const MIN_ROW_BYTES = 3 + 2 + 4 + 12;

/**
 * Person-days as ClickHouse sent them, one typed array per column (row r of each): a month of a
 * large place is tens of thousands of person-days, and an object or a JSON text for each was most
 * of what the collector had to do. Ids are indexes into a table of the distinct ones.
 */
export class PersonDays {
  private readonly userIds = new StringTable();
  private readonly deviceIds = new StringTable();
  /** Each row's person, as an index into `users`. */
  readonly user: Int32Array;
  /** The work day, as days since 1970. */
  readonly day: Int32Array;
  private readonly punches: Int32Array;
  /** Wall-clock seconds after the day's midnight of the first and the last punch. */
  private readonly first: Int32Array;
  private readonly last: Int32Array;
  /** Real seconds from the first punch to the last. */
  private readonly elapsed: Int32Array;
  private readonly firstDevice: Int32Array;
  private readonly lastDevice: Int32Array;
  rows = 0;

  private constructor(capacity: number) {
    const column = (): Int32Array => new Int32Array(capacity);
    [this.user, this.day, this.punches, this.first] = [column(), column(), column(), column()];
    [this.last, this.elapsed, this.firstDevice, this.lastDevice] = [column(), column(), column(), column()];
  }

  /** Everyone with a row. */
  get users(): readonly string[] {
    return this.userIds.texts;
  }

  /** The rows of personDays' query (see there). */
  static read(result: Buffer): PersonDays {
    const out = new PersonDays(Math.ceil(result.length / MIN_ROW_BYTES));
    const r = new RowBinaryReader(result);
    for (let i = 0; !r.done; i = ++out.rows) {
      out.user[i] = r.stringIndex(out.userIds);
      out.day[i] = r.uint16();
      out.punches[i] = r.uint32();
      out.first[i] = r.int32();
      out.last[i] = r.int32();
      out.elapsed[i] = r.int32();
      out.firstDevice[i] = r.stringIndex(out.deviceIds);
      out.lastDevice[i] = r.stringIndex(out.deviceIds);
    }
    return out;
  }

  /** Row i written into `out` (reused by the caller), which is returned. */
  readRow(i: number, out: PersonDayPunches): PersonDayPunches {
    const midnight = this.day[i]! * 86_400;
    const devices = this.deviceIds.texts;
    out.punches = this.punches[i]!;
    out.firstWall = midnight + this.first[i]!;
    out.firstDevice = devices[this.firstDevice[i]!]!;
    out.lastWall = midnight + this.last[i]!;
    out.lastDevice = devices[this.lastDevice[i]!]!;
    out.elapsedSeconds = this.elapsed[i]!;
    return out;
  }
}

/**
 * The heavy grouping: per person and work day, the first and last punch on any device. No FINAL
 * is needed: min/max/argMin/argMax are the same with or without replayed duplicates, and
 * counting distinct dedup keys counts each punch once. They are counted by a 64-bit hash (a set of
 * numbers costs a third less than a set of strings when a month holds millions of punches): two
 * of one person's punches on one day would have to collide in 64 bits, about 1 in 10^16 for 100
 * punches (the key itself is 128 bits of SHA-256). Numbers relative to the day, in RowBinary.
 */
export async function personDays(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<PersonDays> {
  const w = workDaySql(segments);
  const result = await db.rowBinary(sql`
    SELECT user_id, toUInt16(${w.day}) AS day,
      toUInt32(uniqExact(cityHash64(dedup_key))) AS punches,
      toInt32(toUInt32(min(local_time)) - day * 86400) AS first_wall,
      toInt32(toUInt32(max(local_time)) - day * 86400) AS last_wall,
      toInt32(toInt32(toUInt32(argMax(punched_at, local_time))) - toInt32(toUInt32(argMin(punched_at, local_time))))
        AS elapsed,
      argMin(device_id, local_time) AS first_device,
      argMax(device_id, local_time) AS last_device
    FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}
    GROUP BY user_id, day`);
  return PersonDays.read(result);
}

/** Everyone who punched at the place on work days of the segments. */
export async function punchers(
  db: ClickHouseDb,
  placeId: string,
  segments: readonly RulesSegment[],
  userIds: readonly string[],
): Promise<string[]> {
  const w = workDaySql(segments);
  const rows = await db.arrays<[string]>(sql`
    SELECT DISTINCT user_id FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}`);
  return rows.map((r) => r[0]);
}
