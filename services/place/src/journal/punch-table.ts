import type { Database, Statement } from "better-sqlite3";
import type { NewPunch } from "../punches/new-punch.js";

/** A stored punch: a NewPunch plus its place and journal offset. */
export interface PunchRow extends NewPunch {
  offset: number;
  placeId: string;
}

export interface PunchQuery {
  fromMs: number;
  toMs: number;
  userId?: string;
  deviceId?: string;
  afterOffset: number;
  limit: number;
}

const COLUMNS = `"offset", dedup_key AS dedupKey, place_id AS placeId, device_id AS deviceId,
  device_serial AS deviceSerial, user_id AS userId, local_time AS localTime, punched_at_ms AS punchedAtMs,
  punch_state AS punchState, verify_method AS verifyMethod, received_at_ms AS receivedAtMs, source,
  traceparent, tracestate`;

// The same columns for after(), unnamed: read as arrays, in this order.
const AFTER_COLUMNS = `"offset", dedup_key, place_id, device_id, device_serial, user_id, local_time,
  punched_at_ms, punch_state, verify_method, received_at_ms, source, traceparent, tracestate`;

// The punches in an offset range as one aggregate row, each column built by SQLite as one value
// (JSON arrays of numbers, concatenated text): JavaScript then handles 15 values per block instead
// of 14 per punch (reading raw rows cost about 1.6 µs per punch, mostly better-sqlite3 making a
// JavaScript value of each column of each row; this about 0.9 µs). A rowid range scan visits the
// rows in offset order, so the aggregates see them in that order (and the range costs less than
// an ORDER BY ... LIMIT subquery). Local times go as 19 characters each ('-' x 19 for a value
// that is not 19 ASCII characters).
const BLOCK = `SELECT count(*), min("offset"), max("offset"),
  group_concat(dedup_key, ''), json_group_array(octet_length(dedup_key)),
  group_concat(traceparent, ''), json_group_array(octet_length(traceparent)),
  group_concat(CASE WHEN length(local_time) = 19 AND octet_length(local_time) = 19
    THEN local_time ELSE '-------------------' END, ''),
  json_group_array(punched_at_ms), json_group_array(punch_state), json_group_array(verify_method),
  json_group_array(received_at_ms), json_group_array(source),
  json_group_array(json_array(place_id, device_id, device_serial, tracestate) || ''),
  json_group_array(user_id)
  FROM punches WHERE "offset" > @after AND "offset" <= @last`;

/**
 * Up to `limit` punches after an offset, with consecutive offsets, as columns (blockAfter):
 * JSON arrays are still JSON text, parsed by the caller.
 */
export interface JournalBlock {
  /** Offset of the first punch; the block holds count punches, one per offset. */
  firstOffset: number;
  count: number;
  /** Dedup keys concatenated, and each one's length in UTF-8 bytes (JSON array). */
  dedupKeys: string;
  dedupKeyBytes: string;
  /** Traceparents concatenated, and each one's length in UTF-8 bytes (JSON array). */
  traceparents: string;
  traceparentBytes: string;
  /** The local times, 19 characters each ("-" x 19 for one that is not 19 ASCII characters). */
  localTimes: string;
  /** JSON arrays of numbers. */
  punchedAtMs: string;
  punchState: string;
  verifyMethod: string;
  receivedAtMs: string;
  source: string;
  /** JSON array of [place_id, device_id, device_serial, tracestate] as JSON text, one per punch. */
  devices: string;
  /** JSON array of user ids. */
  userIds: string;
}

/** The punches table: append-only, one row per dedup key, read by offset or by time. */
export class PunchTable {
  private readonly insert: Statement;
  private readonly selectHead: Statement<[], number>;
  private readonly selectAfter: Statement<[number, number], unknown[]>;
  private readonly selectBlock: Statement<[{ after: number; last: number }], unknown[]>;
  private readonly selectNext: Statement<[number], number | null>;
  private readonly selectRunEnd: Statement<[number], number>;
  private readonly selectRange = new Map<string, Statement<Record<string, unknown>, PunchRow>>();

  constructor(
    private readonly db: Database,
    private readonly placeId: string,
  ) {
    // Not INSERT OR IGNORE: an ignored insert still consumes an AUTOINCREMENT value, which would
    // leave a gap in the offsets. NOT EXISTS never attempts the insert for a known key.
    this.insert = db.prepare(`
      INSERT INTO punches (dedup_key, place_id, device_id, device_serial, user_id, local_time, punched_at_ms,
        punch_state, verify_method, received_at_ms, source, traceparent, tracestate)
      SELECT @dedupKey, @placeId, @deviceId, @deviceSerial, @userId, @localTime,
        @punchedAtMs, @punchState, @verifyMethod, @receivedAtMs, @source, @traceparent, @tracestate
      WHERE NOT EXISTS (SELECT 1 FROM punches WHERE dedup_key = @dedupKey)`);
    this.selectHead = db.prepare<[], number>(`SELECT coalesce(max("offset"), 0) FROM punches`).pluck();
    // Raw rows (arrays) in AFTER_COLUMNS order: replays read millions of rows, and arrays plus
    // one object literal each cost far less than better-sqlite3 naming every column.
    this.selectAfter = db
      .prepare<[number, number], unknown[]>(
        `SELECT ${AFTER_COLUMNS} FROM punches WHERE "offset" > ? ORDER BY "offset" LIMIT ?`,
      )
      .raw();
    this.selectBlock = db.prepare<[{ after: number; last: number }], unknown[]>(BLOCK).raw();
    this.selectNext = db
      .prepare<[number], number | null>(`SELECT min("offset") FROM punches WHERE "offset" > ?`)
      .pluck();
    // The last offset of the run of consecutive offsets from a stored one.
    this.selectRunEnd = db
      .prepare<[number], number>(
        `SELECT min("offset") FROM punches AS p WHERE "offset" >= ?
          AND NOT EXISTS (SELECT 1 FROM punches WHERE "offset" = p."offset" + 1)`,
      )
      .pluck();
  }

  /** Store the punch unless its key is known; true when stored. Call inside a transaction. */
  insertIfNew(p: NewPunch): boolean {
    return this.insert.run({ ...p, placeId: this.placeId }).changes === 1;
  }

  /** The newest offset, 0 for an empty journal. */
  head(): number {
    return this.selectHead.get() ?? 0;
  }

  /** Punches after `offset`, oldest first. */
  after(offset: number, limit: number): PunchRow[] {
    return this.selectAfter.all(offset, limit).map((r) => ({
      offset: r[0] as number,
      dedupKey: r[1] as string,
      placeId: r[2] as string,
      deviceId: r[3] as string,
      deviceSerial: r[4] as string,
      userId: r[5] as string,
      localTime: r[6] as string,
      punchedAtMs: r[7] as number,
      punchState: r[8] as number,
      verifyMethod: r[9] as number,
      receivedAtMs: r[10] as number,
      source: r[11] as number,
      traceparent: r[12] as string,
      tracestate: r[13] as string,
    }));
  }

  /**
   * Up to `limit` punches after `offset` as columns, or undefined when there are none. Only
   * punches with consecutive offsets: those after a gap (there is none in a journal, which numbers
   * punches 1, 2, 3...) are left for the next block.
   */
  blockAfter(offset: number, limit: number): JournalBlock | undefined {
    let r = this.selectBlock.get({ after: offset, last: offset + limit })!;
    if (r[0] === 0) {
      // Nothing in the range: the end of the journal, or a gap wider than a block.
      const next = this.selectNext.get(offset);
      if (next === null || next === undefined) return undefined;
      r = this.selectBlock.get({ after: next - 1, last: next - 1 + limit })!;
    }
    const count = r[0] as number;
    const first = r[1] as number;
    if ((r[2] as number) - first + 1 !== count) {
      // A gap inside the range: take the punches before it only.
      const runEnd = this.selectRunEnd.get(first)!;
      r = this.selectBlock.get({ after: first - 1, last: runEnd })!;
    }
    return {
      firstOffset: first,
      count: r[0] as number,
      dedupKeys: r[3] as string,
      dedupKeyBytes: r[4] as string,
      traceparents: r[5] as string,
      traceparentBytes: r[6] as string,
      localTimes: r[7] as string,
      punchedAtMs: r[8] as string,
      punchState: r[9] as string,
      verifyMethod: r[10] as string,
      receivedAtMs: r[11] as string,
      source: r[12] as string,
      devices: r[13] as string,
      userIds: r[14] as string,
    };
  }

  /** Punches in [fromMs, toMs) with the filters, after an offset, in journal order. */
  list(q: PunchQuery): PunchRow[] {
    // One statement per filter combination, so each gets a plan that can use its index.
    const where = [`"offset" > @afterOffset`, "punched_at_ms >= @fromMs", "punched_at_ms < @toMs"];
    if (q.userId !== undefined) where.push("user_id = @userId");
    if (q.deviceId !== undefined) where.push("device_id = @deviceId");
    const sql = `SELECT ${COLUMNS} FROM punches WHERE ${where.join(" AND ")} ORDER BY "offset" LIMIT @limit`;
    let statement = this.selectRange.get(sql);
    if (!statement) this.selectRange.set(sql, (statement = this.db.prepare(sql)));
    return statement.all({ ...q });
  }
}
