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
/** As stored: details still JSON text. */
export type RawAuditRow = Omit<AuditRow, "detail"> & { detail: string };

/** Append-only record of every mutation. */
export class AuditTable {
  private readonly insert: Statement;
  private readonly selectRecent: Statement<[number], RawAuditRow>;
  private readonly selectPage: Statement<
    [{ beforeId: number; prefix: string; target: string | null; limit: number }],
    RawAuditRow
  >;

  private readonly claim: Statement<[{ key: string; auditId: number }]>;
  private readonly selectOnce: Statement<[string], { auditId: number }>;
  private readonly selectLatest: Statement<[string], { target: string; atMs: number }>;

  constructor(db: Database) {
    this.claim = db.prepare(`INSERT INTO audit_once (key, audit_id) VALUES (@key, @auditId)`);
    this.selectOnce = db.prepare(`SELECT audit_id AS auditId FROM audit_once WHERE key = ?`);
    this.selectLatest = db.prepare(
      `SELECT target, max(at_ms) AS atMs FROM audit WHERE action = ? GROUP BY target`,
    );
    this.insert = db.prepare(
      `INSERT INTO audit (at_ms, actor, action, target, detail) VALUES (@atMs, @actor, @action, @target, @detail)`,
    );
    this.selectPage = db.prepare(
      `SELECT id, at_ms AS atMs, actor, action, target, detail FROM audit
       WHERE id < @beforeId AND action LIKE @prefix ESCAPE '\\' AND (@target IS NULL OR target = @target)
       ORDER BY id DESC LIMIT @limit`,
    );
    this.selectRecent = db.prepare(
      `SELECT id, at_ms AS atMs, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?`,
    );
  }

  /** Newest first, below `beforeId`, optionally one action prefix and one target. */
  page(o: { beforeId?: number; actionPrefix?: string; target?: string; limit: number }): RawAuditRow[] {
    return this.selectPage.all({
      beforeId: o.beforeId ?? Number.MAX_SAFE_INTEGER,
      // LIKE with an escape: a prefix holding % or _ means itself.
      prefix: `${(o.actionPrefix ?? "").replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
      target: o.target ?? null,
      limit: o.limit,
    });
  }

  record(entry: AuditEntry): void {
    this.insert.run({ ...entry, detail: JSON.stringify(entry.detail) });
  }

  /**
   * Record `entry` unless an entry was recorded under `key` before; true when recorded. Call in a
   * transaction: the key and the entry are kept together.
   */
  recordOnce(key: string, entry: AuditEntry): boolean {
    if (this.selectOnce.get(key)) return false;
    const { lastInsertRowid } = this.insert.run({ ...entry, detail: JSON.stringify(entry.detail) });
    this.claim.run({ key, auditId: Number(lastInsertRowid) });
    return true;
  }

  /** When `action` was last recorded, per target. */
  latestOf(action: string): Map<string, number> {
    return new Map(this.selectLatest.all(action).map((r) => [r.target, r.atMs]));
  }

  /** The newest entries first. */
  recent(limit: number): AuditRow[] {
    return this.selectRecent
      .all(limit)
      .map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
