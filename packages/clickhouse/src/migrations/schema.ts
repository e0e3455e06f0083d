import type { ClickHouseDb } from "../clickhouse-db.js";
import { sql, type Sql } from "../sql-literal.js";

export interface Migration {
  version: number;
  name: string;
  /** Each statement is idempotent (IF NOT EXISTS), so a migration cut short can simply run again. */
  statements(db: ClickHouseDb): Sql[];
}

/*
 * The schema, append-only: never edit a released migration, add the next version.
 * Kept to what ClickHouse 18.16 and current releases share: no DateTime64, TTL, LowCardinality.
 * Every DateTime names 'UTC' so nothing depends on the server's time zone.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: "punches",
    statements: (db) => [
      // One row per distinct punch in the FINAL view. The sorting key is the dedup identity:
      // ReplacingMergeTree keeps one row per (place_id, dedup_key). The extra key columns are
      // functions of dedup_key (the place hashes device serial, user, wall-clock time and state
      // into it), so they cannot split one punch into two rows; they give time/person locality.
      // local_time is the device wall clock as a DateTime pinned to 'UTC' (no conversion ever):
      // days, hours and weekdays come from plain toDate/toHour, it compares and sorts as a number,
      // takes 4 bytes, and stays readable; punched_at is the real instant.
      sql`CREATE TABLE IF NOT EXISTS ${db.table("punches")} (
        place_id String,
        dedup_key String,
        device_id String,
        device_sn String,
        user_id String,
        punched_at DateTime('UTC'),
        local_time DateTime('UTC'),
        punch_state UInt32,
        verify_method UInt32,
        source UInt8,
        received_at DateTime('UTC'),
        source_offset UInt64,
        trace_id String,
        ingested_at DateTime('UTC') DEFAULT now()
      ) ENGINE = ReplacingMergeTree(source_offset)
      PARTITION BY toYYYYMM(local_time)
      ORDER BY (place_id, toDate(local_time), user_id, dedup_key)`,
    ],
  },
  {
    version: 2,
    name: "ingest_offsets",
    // Per place, the newest journal offset whose punches are stored; written after the insert.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("ingest_offsets")} (
        place_id String,
        committed_offset UInt64,
        head_offset UInt64,
        committed_at DateTime('UTC') DEFAULT now()
      ) ENGINE = ReplacingMergeTree(committed_offset)
      ORDER BY place_id`,
    ],
  },
  {
    version: 3,
    name: "places",
    // Each place's rules as GetPlace last reported them (version = when we read them, ms).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("places")} (
        place_id String,
        name String,
        timezone String,
        address String,
        shift_start String,
        shift_end String,
        grace_minutes UInt32,
        min_hours_present Float64,
        weekend_days Array(UInt8),
        holidays Array(String),
        break_minutes UInt32,
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY place_id`,
    ],
  },
  {
    version: 4,
    name: "users",
    // People per place, keyed by the badge/PIN user_id (never by name).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("users")} (
        place_id String,
        user_id String,
        name String,
        privilege UInt8,
        card UInt32,
        disabled UInt8,
        deleted UInt8,
        updated_at DateTime('UTC'),
        version UInt64
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (place_id, user_id)`,
    ],
  },
  {
    version: 5,
    name: "device_states",
    // One row per state a device entered (the place's WatchDevices); repeats of the same state
    // collapse, and the newest observation's details win.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("device_states")} (
        place_id String,
        device_id String,
        state UInt8,
        since DateTime('UTC'),
        since_ms UInt64,
        detail String,
        serial_number String,
        firmware String,
        records_on_device UInt32,
        records_capacity UInt32,
        users_on_device UInt32,
        clock_drift_seconds Int64,
        consecutive_failures UInt32,
        observed_ms UInt64
      ) ENGINE = ReplacingMergeTree(observed_ms)
      PARTITION BY toYYYYMM(since)
      ORDER BY (place_id, device_id, since_ms, state)`,
    ],
  },
  {
    version: 6,
    name: "place_rules",
    // Every version of each place's rules with the moment it took effect (epoch ms), so a day is
    // judged by the rules in force on it; a new row only when the rules changed. Seeded with the
    // rules already stored: their row keeps the moment they were read (read with FINAL, so running
    // the seed twice leaves one row per key).
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("place_rules")} (
        place_id String,
        effective_ms UInt64,
        timezone String,
        shift_start String,
        shift_end String,
        grace_minutes UInt32,
        min_hours_present Float64,
        weekend_days Array(UInt8),
        holidays Array(String),
        break_minutes UInt32
      ) ENGINE = ReplacingMergeTree
      ORDER BY (place_id, effective_ms)`,
      sql`INSERT INTO ${db.table("place_rules")}
        SELECT place_id, version, timezone, shift_start, shift_end, grace_minutes, min_hours_present,
          weekend_days, holidays, break_minutes
        FROM ${db.table("places")} FINAL`,
    ],
  },
  {
    version: 7,
    name: "user_changes",
    // When each person became expected at a place or stopped being (joined, disabled, removed),
    // so days before a person joined or after they left are not absences. effective_ms 0: listed
    // since before the aggregator knew the place. Seeded from the users already stored.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("user_changes")} (
        place_id String,
        user_id String,
        effective_ms UInt64,
        expected UInt8
      ) ENGINE = ReplacingMergeTree
      ORDER BY (place_id, user_id, effective_ms)`,
      sql`INSERT INTO ${db.table("user_changes")}
        SELECT place_id, user_id, toUInt64(0), (deleted = 0 AND disabled = 0)
        FROM ${db.table("users")} FINAL`,
    ],
  },
  {
    version: 8,
    name: "journal_offsets",
    // Per place and journal (GetPlace journal_id: a journal restored or recreated numbers its
    // punches from 1 again under a new id), the newest offset whose punches are stored, written
    // after the insert. committed_at_ms tells which journal was read last. Rows in ingest_offsets
    // (before journal ids) are taken as the first journal's by the aggregator; not copied here.
    statements: (db) => [
      sql`CREATE TABLE IF NOT EXISTS ${db.table("journal_offsets")} (
        place_id String,
        journal_id String,
        committed_offset UInt64,
        head_offset UInt64,
        committed_at_ms UInt64
      ) ENGINE = ReplacingMergeTree(committed_offset)
      ORDER BY (place_id, journal_id)`,
    ],
  },
];
