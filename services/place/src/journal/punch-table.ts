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

// The same for afterColumns(), except local_time: Unix seconds of the wall clock read as UTC,
// computed by SQLite (NULL unless it is exactly YYYY-MM-DDTHH:MM:SS).
const COLUMNAR_COLUMNS = AFTER_COLUMNS.replace(
  "local_time",
  `CASE WHEN local_time GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]'
    THEN unixepoch(local_time) END`,
);

/**
 * A journal row as afterColumns() returns it, by position: offset, dedup_key, place_id,
 * device_id, device_serial, user_id, local seconds (or null), punched_at_ms, punch_state,
 * verify_method, received_at_ms, source, traceparent, tracestate.
 */
export type RawPunchRow = unknown[];

/** The punches table: append-only, one row per dedup key, read by offset or by time. */
export class PunchTable {
  private readonly insert: Statement;
  private readonly selectHead: Statement<[], number>;
  private readonly selectAfter: Statement<[number, number], unknown[]>;
  private readonly selectAfterColumns: Statement<[number, number], RawPunchRow>;
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
    this.selectAfterColumns = db
      .prepare<[number, number], RawPunchRow>(
        `SELECT ${COLUMNAR_COLUMNS} FROM punches WHERE "offset" > ? ORDER BY "offset" LIMIT ?`,
      )
      .raw();
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

  /** Punches after `offset`, oldest first, as raw rows (RawPunchRow): no object per punch. */
  afterColumns(offset: number, limit: number): RawPunchRow[] {
    return this.selectAfterColumns.all(offset, limit);
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
