import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { AuditTable } from "./audit-table.js";
import { BlockTable } from "./block-table.js";
import { DeviceTable } from "./device-table.js";
import { JournalError } from "./journal-error.js";
import { migrate } from "./migrations.js";
import { OutboxTable } from "./outbox-table.js";
import { PunchTable } from "./punch-table.js";
import { UserTable } from "./user-table.js";

/**
 * The place's durable journal: one SQLite file, one writer.
 * - WAL: readers (WatchPunches replays) never block the ingest writer.
 * - synchronous=FULL: a commit is on disk before IngestPunches answers. Supervisors advance their
 *   high-water mark (and may clear the device log) on that answer, so an acknowledged batch must
 *   survive a power cut, not only a process crash, which is all NORMAL guarantees in WAL mode.
 *   The cost is one fsync per ingest batch.
 * - locking_mode=EXCLUSIVE: a second process on the same file fails at open, instead of two
 *   places numbering offsets and notifying subscribers independently.
 */
export class Journal {
  readonly punches: PunchTable;
  /** The punches again as sealed WatchPunches blocks, for replays. */
  readonly blocks: BlockTable;
  readonly devices: DeviceTable;
  readonly users: UserTable;
  readonly audit: AuditTable;
  readonly outbox: OutboxTable;
  /** Random, given when the journal was created: offsets are positions in this journal only. */
  readonly journalId: string;

  private constructor(
    readonly db: Database.Database,
    placeId: string,
  ) {
    this.punches = new PunchTable(db, placeId);
    this.blocks = new BlockTable(db);
    this.devices = new DeviceTable(db);
    this.users = new UserTable(db);
    this.audit = new AuditTable(db);
    this.outbox = new OutboxTable(db);
    const row = db.prepare("SELECT journal_id FROM journal_identity").get() as
      { journal_id: string } | undefined;
    if (!row) throw new JournalError("journal has no journal_identity row: it was edited by hand?");
    this.journalId = row.journal_id;
  }

  static open(path: string, placeId: string): Journal {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: 2_000 });
      db.pragma("locking_mode = EXCLUSIVE");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.exec("BEGIN IMMEDIATE; COMMIT"); // take the exclusive lock now, not at the first write
      migrate(db);
      const journal = new Journal(db, placeId);
      journal.sealPending();
      return journal;
    } catch (err) {
      db?.close();
      if (err instanceof JournalError) throw err;
      const code = (err as { code?: string }).code;
      const why =
        code === "SQLITE_BUSY"
          ? "it is in use by another process (one place process per journal)"
          : (err as Error).message;
      throw new JournalError(`cannot open journal ${path}: ${why}`, { cause: err });
    }
  }

  /**
   * Seal the punches no block holds yet (a journal written before punch_blocks existed), a
   * hundred blocks per transaction so the writer is never held long.
   */
  private sealPending(): void {
    let sealed: number;
    do sealed = this.transaction(() => this.blocks.seal(this.punches, this.punches.head(), 100));
    while (sealed === 100);
  }

  /** Run fn in one IMMEDIATE transaction: all of it is stored, or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
