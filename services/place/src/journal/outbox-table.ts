import type { Database, Statement } from "better-sqlite3";

export type OutboxOp = "upsert" | "delete";

export interface OutboxRow {
  id: number;
  deviceId: string;
  userId: string;
  op: OutboxOp;
  /** Who asked for the change (for the audit of its application). */
  actor: string;
  queuedAtMs: number;
  attempts: number;
  lastError: string;
}

const COLUMNS = `id, device_id AS deviceId, user_id AS userId, op, actor, queued_at_ms AS queuedAtMs,
  attempts, last_error AS lastError`;

/**
 * User changes waiting for a device, per device in the order they were made. One pending change
 * per (device, user): the newest replaces an older one and goes to the back of the line.
 */
export class OutboxTable {
  private readonly replace: Statement;
  private readonly insert: Statement;
  private readonly selectNext: Statement<[string], OutboxRow>;
  private readonly selectOne: Statement<[number], OutboxRow>;
  private readonly selectCount: Statement<[string], number>;
  private readonly deleteOne: Statement<[number]>;
  private readonly deleteDevice: Statement<[string]>;
  private readonly noteFailure: Statement<[string, number]>;

  constructor(db: Database) {
    this.replace = db.prepare(`DELETE FROM device_outbox WHERE device_id = @deviceId AND user_id = @userId`);
    this.insert = db.prepare(`
      INSERT INTO device_outbox (device_id, user_id, op, actor, queued_at_ms)
      VALUES (@deviceId, @userId, @op, @actor, @atMs)`);
    this.selectNext = db.prepare<[string], OutboxRow>(
      `SELECT ${COLUMNS} FROM device_outbox WHERE device_id = ? ORDER BY id LIMIT 1`,
    );
    this.selectOne = db.prepare<[number], OutboxRow>(`SELECT ${COLUMNS} FROM device_outbox WHERE id = ?`);
    this.selectCount = db
      .prepare<[string], number>(`SELECT count(*) FROM device_outbox WHERE device_id = ?`)
      .pluck();
    this.deleteOne = db.prepare<[number]>(`DELETE FROM device_outbox WHERE id = ?`);
    this.deleteDevice = db.prepare<[string]>(`DELETE FROM device_outbox WHERE device_id = ?`);
    this.noteFailure = db.prepare<[string, number]>(
      `UPDATE device_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`,
    );
  }

  /** Queue a change (replacing the device's pending one for this user); returns its id. Call in a transaction. */
  enqueue(e: { deviceId: string; userId: string; op: OutboxOp; actor: string; atMs: number }): number {
    this.replace.run(e);
    return Number(this.insert.run(e).lastInsertRowid);
  }

  /** The device's oldest pending change. */
  next(deviceId: string): OutboxRow | undefined {
    return this.selectNext.get(deviceId);
  }

  get(id: number): OutboxRow | undefined {
    return this.selectOne.get(id);
  }

  pending(deviceId: string): number {
    return this.selectCount.get(deviceId) ?? 0;
  }

  /** The change was applied (or refused for good). */
  remove(id: number): void {
    this.deleteOne.run(id);
  }

  /** A try that did not reach the device: counted, the change stays queued. */
  failedAttempt(id: number, error: string): void {
    this.noteFailure.run(error, id);
  }

  /** Forget a device's pending changes (it left the place); returns how many. */
  dropDevice(deviceId: string): number {
    return this.deleteDevice.run(deviceId).changes;
  }
}
