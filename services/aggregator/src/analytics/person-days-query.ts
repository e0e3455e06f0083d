import { lit, RowBinaryReader, sql, StringCache, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { RulesSegment } from "../rules/rules-timeline.js";
import type { PersonDayPunches } from "../rules/timesheet-day.js";
import { anyOf, workDaySql } from "./work-day-sql.js";

// The fewest bytes a row of personDays' query takes: one-byte lengths of three strings (an empty
// string is its length alone), UInt16, UInt32 and three Int32.
const MIN_ROW_BYTES = 3 + 2 + 4 + 12;

/**
 * Person-days as ClickHouse sent them, one typed array per column (row r of each): a month of a
 * large place is tens of thousands of person-days, and an object or a JSON text for each was most
 * of what the collector had to do. Rows of one person are consecutive.
 */
export class PersonDays {
  /** Each row's person, as an index into `users`; users in the order their rows come. */
  readonly users: string[] = [];
  readonly user: Int32Array;
  /** The work day, as days since 1970. */
  readonly day: Int32Array;
  private readonly punches: Int32Array;
  /** Wall-clock seconds after the day's midnight of the first and the last punch. */
  private readonly first: Int32Array;
  private readonly last: Int32Array;
  /** Real seconds from the first punch to the last. */
  private readonly elapsed: Int32Array;
  private readonly firstDevice: string[];
  private readonly lastDevice: string[];

  rows = 0;

  private constructor(capacity: number) {
    [this.user, this.day, this.punches, this.first, this.last, this.elapsed] = Array.from(
      { length: 6 },
      () => new Int32Array(capacity),
    ) as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
    this.firstDevice = new Array<string>(capacity);
    this.lastDevice = new Array<string>(capacity);
  }

  /** The rows of personDays' query (see there). */
  static read(result: Buffer): PersonDays {
    const out = new PersonDays(Math.ceil(result.length / MIN_ROW_BYTES));
    const r = new RowBinaryReader(result);
    const [users, firstDevices, lastDevices] = [new StringCache(), new StringCache(), new StringCache()];
    for (let i = 0; !r.done; i = ++out.rows) {
      const userId = r.repeatedString(users);
      if (out.users[out.users.length - 1] !== userId) out.users.push(userId);
      out.user[i] = out.users.length - 1;
      out.day[i] = r.uint16();
      out.punches[i] = r.uint32();
      out.first[i] = r.int32();
      out.last[i] = r.int32();
      out.elapsed[i] = r.int32();
      out.firstDevice[i] = r.repeatedString(firstDevices);
      out.lastDevice[i] = r.repeatedString(lastDevices);
    }
    return out;
  }

  /** Row i written into `out` (reused by the caller), which is returned. */
  readRow(i: number, out: PersonDayPunches): PersonDayPunches {
    const midnight = this.day[i]! * 86_400;
    out.punches = this.punches[i]!;
    out.firstWall = midnight + this.first[i]!;
    out.firstDevice = this.firstDevice[i]!;
    out.lastWall = midnight + this.last[i]!;
    out.lastDevice = this.lastDevice[i]!;
    out.elapsedSeconds = this.elapsed[i]!;
    return out;
  }
}

/**
 * The heavy grouping: per person and work day, the first and last punch on any device. No FINAL
 * is needed: min/max/argMin/argMax are the same with or without replayed duplicates, and
 * uniqExact(dedup_key) counts each punch once. Numbers relative to the day, in RowBinary.
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
      toUInt32(uniqExact(dedup_key)) AS punches,
      toInt32(toUInt32(min(local_time)) - day * 86400) AS first_wall,
      toInt32(toUInt32(max(local_time)) - day * 86400) AS last_wall,
      toInt32(toInt32(toUInt32(argMax(punched_at, local_time))) - toInt32(toUInt32(argMin(punched_at, local_time))))
        AS elapsed,
      argMin(device_id, local_time) AS first_device,
      argMax(device_id, local_time) AS last_device
    FROM ${db.table("punches")}
    WHERE place_id = ${lit.string(placeId)} AND ${w.range} ${anyOf("user_id", userIds)}
    GROUP BY user_id, day
    ORDER BY user_id`);
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
