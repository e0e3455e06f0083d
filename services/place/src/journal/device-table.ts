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
  private readonly selectKnown: Statement<[], { deviceId: string; removed: number }>;
  private readonly upsertConfig: Statement;
  private readonly markRemoved: Statement<[number, string]>;

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
    this.selectKnown = db.prepare<[], { deviceId: string; removed: number }>(
      `SELECT device_id AS deviceId, removed_at_ms IS NOT NULL AS removed FROM device_state`,
    );
    this.upsertConfig = db.prepare(`
      INSERT INTO device_state (device_id, config_json) VALUES (@deviceId, @configJson)
      ON CONFLICT (device_id) DO UPDATE SET config_json = excluded.config_json, removed_at_ms = NULL`);
    this.markRemoved = db.prepare<[number, string]>(
      `UPDATE device_state SET removed_at_ms = ? WHERE device_id = ? AND removed_at_ms IS NULL`,
    );
  }

  /**
   * Record the configured device list: each device's settings (no comm key), and which known
   * devices left it (their cursors are kept for a return). Returns the ids the journal had never
   * seen. Call inside a transaction.
   */
  syncConfigured(devices: readonly { id: string; configJson: string }[], atMs: number): string[] {
    const known = new Map(this.selectKnown.all().map((r) => [r.deviceId, r.removed !== 0]));
    const wanted = new Set(devices.map((d) => d.id));
    for (const [id, removed] of known) if (!wanted.has(id) && !removed) this.markRemoved.run(atMs, id);
    for (const d of devices) this.upsertConfig.run({ deviceId: d.id, configJson: d.configJson });
    return devices.map((d) => d.id).filter((id) => !known.has(id));
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
