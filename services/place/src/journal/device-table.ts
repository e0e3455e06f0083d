import type { Database, Statement } from "better-sqlite3";

/** How far the journal holds a device's log (the proto's DeviceCursor). */
export interface CursorRow {
  recordsIngested: number;
  lastLocalTime: string;
  lastUserId: string;
}

const EMPTY: CursorRow = { recordsIngested: 0, lastLocalTime: "", lastUserId: "" };

/** Per-device state: the log cursor (written in the ingest transaction) and the last status report. */
export class DeviceTable {
  private readonly selectCursor: Statement<[string], CursorRow>;
  private readonly upsertCursor: Statement;
  private readonly selectStatuses: Statement<[], { deviceId: string; statusJson: string }>;
  private readonly upsertStatus: Statement;

  constructor(db: Database) {
    this.selectCursor = db.prepare<[string], CursorRow>(`
      SELECT cursor_records AS recordsIngested, cursor_last_local_time AS lastLocalTime,
        cursor_last_user_id AS lastUserId
      FROM device_state WHERE device_id = ?`);
    this.upsertCursor = db.prepare(`
      INSERT INTO device_state (device_id, cursor_records, cursor_last_local_time, cursor_last_user_id,
        cursor_updated_at_ms)
      VALUES (@deviceId, @recordsIngested, @lastLocalTime, @lastUserId, @atMs)
      ON CONFLICT (device_id) DO UPDATE SET cursor_records = excluded.cursor_records,
        cursor_last_local_time = excluded.cursor_last_local_time,
        cursor_last_user_id = excluded.cursor_last_user_id, cursor_updated_at_ms = excluded.cursor_updated_at_ms`);
    this.selectStatuses = db.prepare<[], { deviceId: string; statusJson: string }>(
      `SELECT device_id AS deviceId, status_json AS statusJson FROM device_state WHERE status_json IS NOT NULL`,
    );
    this.upsertStatus = db.prepare(`
      INSERT INTO device_state (device_id, status_json, status_updated_at_ms) VALUES (@deviceId, @statusJson, @atMs)
      ON CONFLICT (device_id) DO UPDATE SET status_json = excluded.status_json,
        status_updated_at_ms = excluded.status_updated_at_ms`);
  }

  cursor(deviceId: string): CursorRow {
    return this.selectCursor.get(deviceId) ?? EMPTY;
  }

  /** Call inside the ingest transaction, so the cursor never runs ahead of the punches. */
  saveCursor(deviceId: string, cursor: CursorRow, atMs: number): void {
    this.upsertCursor.run({ deviceId, ...cursor, atMs });
  }

  statuses(): { deviceId: string; statusJson: string }[] {
    return this.selectStatuses.all();
  }

  saveStatus(deviceId: string, statusJson: string, atMs: number): void {
    this.upsertStatus.run({ deviceId, statusJson, atMs });
  }
}
