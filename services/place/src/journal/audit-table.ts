import type { Database, Statement } from "better-sqlite3";

export interface AuditEntry {
  atMs: number;
  /** Who: a person's name from the request, or "supervisor:<id>". */
  actor: string;
  /** What, dotted: "user.upsert", "device.clear_log.requested". */
  action: string;
  /** What it was done to: a user id, a device id. */
  target: string;
  /** Details as JSON; never a password. */
  detail: Record<string, unknown>;
}

export type AuditRow = AuditEntry & { id: number };

/** Append-only record of every mutation. */
export class AuditTable {
  private readonly insert: Statement;
  private readonly selectRecent: Statement<[number], Omit<AuditRow, "detail"> & { detail: string }>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO audit (at_ms, actor, action, target, detail) VALUES (@atMs, @actor, @action, @target, @detail)`,
    );
    this.selectRecent = db.prepare(
      `SELECT id, at_ms AS atMs, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`,
    );
  }

  record(entry: AuditEntry): void {
    this.insert.run({ ...entry, detail: JSON.stringify(entry.detail) });
  }

  /** The newest entries first. */
  recent(limit: number): AuditRow[] {
    return this.selectRecent
      .all(limit)
      .map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
