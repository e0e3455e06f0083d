import type { Database } from "better-sqlite3";
import { JournalError } from "./journal-error.js";

/**
 * The journal's schema, one entry per version (PRAGMA user_version). Append, never edit: a
 * journal on disk at version n gets entries n.. applied, each in its own transaction.
 */
export const migrations: readonly string[] = [
  `
  -- offset: the journal position, 1, 2, 3... AUTOINCREMENT so an offset is never reused.
  CREATE TABLE punches (
    "offset"       INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key      TEXT    NOT NULL UNIQUE,
    place_id       TEXT    NOT NULL,
    device_id      TEXT    NOT NULL,
    device_serial  TEXT    NOT NULL,
    user_id        TEXT    NOT NULL,
    local_time     TEXT    NOT NULL,
    punched_at_ms  INTEGER NOT NULL,
    punch_state    INTEGER NOT NULL,
    verify_method  INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    source         INTEGER NOT NULL,
    traceparent    TEXT    NOT NULL DEFAULT '',
    tracestate     TEXT    NOT NULL DEFAULT ''
  );
  CREATE INDEX punches_by_time ON punches (punched_at_ms);
  CREATE INDEX punches_by_user ON punches (user_id, punched_at_ms);

  -- password is write-only: kept for pushing to devices, never selected for an API answer.
  CREATE TABLE users (
    user_id       TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    privilege     INTEGER NOT NULL,
    card          INTEGER NOT NULL,
    disabled      INTEGER NOT NULL,
    password      TEXT    NOT NULL DEFAULT '',
    updated_at_ms INTEGER NOT NULL
  );

  -- cursor_*: how far the journal holds the device's log (written with the punches);
  -- status_json: the supervisor's last DeviceStatus report.
  CREATE TABLE device_state (
    device_id              TEXT    PRIMARY KEY,
    cursor_records         INTEGER NOT NULL DEFAULT 0,
    cursor_last_local_time TEXT    NOT NULL DEFAULT '',
    cursor_last_user_id    TEXT    NOT NULL DEFAULT '',
    cursor_updated_at_ms   INTEGER,
    status_json            TEXT,
    status_updated_at_ms   INTEGER
  );

  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms  INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL DEFAULT '{}'
  );
  `,
  `
  -- User changes not yet applied to a device, oldest first; at most one per (device, user): a newer
  -- change replaces a pending one. An upsert carries no copy of the user: it pushes the users row
  -- as it is when the device is back.
  CREATE TABLE device_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id    TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    op           TEXT    NOT NULL CHECK (op IN ('upsert', 'delete')),
    actor        TEXT    NOT NULL,
    queued_at_ms INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT '',
    UNIQUE (device_id, user_id)
  );
  CREATE INDEX device_outbox_by_device ON device_outbox (device_id, id);

  -- The device list as last configured: a device seen for the first time gets the place's users;
  -- removed_at_ms is set while a device is out of the configuration (its cursor is kept).
  ALTER TABLE device_state ADD COLUMN config_json TEXT;
  ALTER TABLE device_state ADD COLUMN removed_at_ms INTEGER;
  `,
  `
  -- The journal's identity, one row, given when the journal is created (or upgraded to this
  -- version): offsets are positions in one journal, so a reader keeps its offset per journal_id and
  -- a journal restored from a backup or recreated (offsets from 1 again) has another id.
  CREATE TABLE journal_identity (
    journal_id    TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    single        INTEGER NOT NULL DEFAULT 1 PRIMARY KEY CHECK (single = 1)
  );
  INSERT INTO journal_identity (journal_id, created_at_ms)
    VALUES (lower(hex(randomblob(16))), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
  `,
  `
  -- Each complete run of offsets [first_offset, first_offset + count - 1] once more, as the packed
  -- PunchBlock WatchPunches sends (strings: its string table as a JSON array; packed: its columns),
  -- written in the transaction that completes the run: a replay reads one row per block instead
  -- of building the block from a thousand punch rows. The punch rows stay the journal's truth.
  CREATE TABLE punch_blocks (
    first_offset INTEGER PRIMARY KEY,
    count        INTEGER NOT NULL,
    strings      TEXT    NOT NULL,
    packed       BLOB    NOT NULL
  );
  `,
  `
  -- Audit entries recorded once per key (audit.recordOnce): a punch rejected again when its batch
  -- is sent again (an acknowledgement lost, a supervisor restarted) is not audited twice.
  CREATE TABLE audit_once (
    key      TEXT    PRIMARY KEY,
    audit_id INTEGER NOT NULL
  );
  -- The newest entry of an action per target (audit.latestOf: each device's last clock correction).
  CREATE INDEX audit_by_action ON audit (action, target, at_ms);
  `,
];

export function migrate(db: Database): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new JournalError(
      `journal schema is version ${current}, newer than this bf-place understands (${migrations.length}); ` +
        `run a newer bf-place`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
