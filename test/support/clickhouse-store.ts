import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { Punch } from "@biometricflow/proto";
import { PunchStore } from "@biometricflow/aggregator";
import { punchKey } from "./site.js";

/** What the aggregator stored, read straight from ClickHouse (the FINAL view: one row per punch). */
export async function countStored(db: ClickHouseDb, placeId?: string): Promise<number> {
  const where = placeId === undefined ? sql`` : sql`WHERE place_id = ${lit.string(placeId)}`;
  const [row] = await db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${db.table("punches")} FINAL ${where}`,
  );
  return Number(row!.n);
}

/**
 * The newest journal offset the aggregator recorded as stored for a place (0: none yet), in the
 * place's journal it read last (offsets are kept per journal: journal_offsets).
 */
export async function committedOffset(db: ClickHouseDb, placeId: string): Promise<number> {
  return (await new PunchStore(db).latestOffsets()).get(placeId)?.offset ?? 0;
}

interface StoredRow {
  dedup_key: string;
  device_sn: string;
  user_id: string;
  local_time: string;
  punch_state: number;
}

/**
 * ClickHouse holds exactly the place's punches: its rows (FINAL) name every truth punch (device,
 * user, wall-clock time, state) once and nothing else, and carry the journal's dedup keys.
 */
export async function expectStoredMatches(
  db: ClickHouseDb,
  placeId: string,
  truth: ReadonlySet<string>,
  journal: readonly Punch[],
): Promise<void> {
  const rows = await db.rows<StoredRow>(
    sql`SELECT dedup_key, device_sn, user_id, toString(local_time) AS local_time, punch_state
      FROM ${db.table("punches")} FINAL WHERE place_id = ${lit.string(placeId)}`,
  );
  const keys = rows.map((r) =>
    punchKey(r.device_sn, r.user_id, r.local_time.replace(" ", "T"), Number(r.punch_state)),
  );
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  const stored = new Set(keys);
  const twice = [...counts].filter(([, n]) => n > 1).map(([k]) => k);
  const missing = [...truth].filter((k) => !stored.has(k));
  const extra = [...stored].filter((k) => !truth.has(k));
  expect({
    placeId,
    twice: twice.slice(0, 5),
    missing: missing.slice(0, 5),
    extra: extra.slice(0, 5),
  }).toEqual({ placeId, twice: [], missing: [], extra: [] });
  expect({ placeId, rows: rows.length }).toEqual({ placeId, rows: truth.size });
  const dedupKeys = new Set(rows.map((r) => r.dedup_key));
  expect({ placeId, distinctDedupKeys: dedupKeys.size }).toEqual({ placeId, distinctDedupKeys: rows.length });
  const journalKeys = journal.map((p) => p.dedupKey);
  expect({ placeId, notStored: journalKeys.filter((k) => !dedupKeys.has(k)).slice(0, 5) }).toEqual({
    placeId,
    notStored: [],
  });
}
