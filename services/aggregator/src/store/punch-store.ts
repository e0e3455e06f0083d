import { lit, sql, type ClickHouseDb, type RowBinaryInsert } from "@biometricflow/clickhouse";
import type { Punch } from "@biometricflow/proto";
import { PUNCH_COLUMNS } from "./punch-row.js";

/** What is stored of one of a place's journals: the newest committed offset, and when. */
export interface JournalOffset {
  journalId: string;
  offset: number;
  committedAtMs: number;
}

/** Punches and ingest offsets (per place and journal): what the followers write. */
export class PunchStore {
  constructor(private readonly db: ClickHouseDb) {}

  /** Whether the place's punch (its dedup key, on its wall-clock day, of its user) is stored. */
  async holdsPunch(p: Pick<Punch, "placeId" | "userId" | "localTime" | "dedupKey">): Promise<boolean> {
    const [row] = await this.db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM ${this.db.table("punches")}
        WHERE place_id = ${lit.string(p.placeId)} AND toDate(local_time) = ${lit.date(p.localTime.slice(0, 10))}
          AND user_id = ${lit.string(p.userId)} AND dedup_key = ${lit.string(p.dedupKey)}`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  /**
   * An INSERT of punches rows (RowBinary, made by writePunchRow or PunchBlockRows), written while
   * it runs (see PunchInserts).
   */
  openPunchInsert(): RowBinaryInsert {
    return this.db.openRowBinaryInsert("punches", PUNCH_COLUMNS);
  }

  /**
   * Record that every punch up to `offset` of the place's journal `journalId` is stored (call only
   * after the insert succeeded); also how a journal is first recorded as seen (its start offset).
   */
  commitOffset(placeId: string, journalId: string, offset: number, head: number): Promise<void> {
    return this.db.insert("journal_offsets", [
      {
        place_id: placeId,
        journal_id: journalId,
        committed_offset: offset,
        head_offset: head,
        committed_at_ms: Date.now(),
      },
    ]);
  }

  /** Every journal of the place with its newest committed offset; offsets only grow, so no FINAL. */
  async journalOffsets(placeId: string): Promise<JournalOffset[]> {
    const rows = await this.db.rows<{ journal_id: string; offset: string; at: string }>(
      sql`SELECT journal_id, max(committed_offset) AS offset, max(committed_at_ms) AS at
        FROM ${this.db.table("journal_offsets")} WHERE place_id = ${lit.string(placeId)}
        GROUP BY journal_id`,
    );
    return rows.map((r) => ({
      journalId: r.journal_id,
      offset: Number(r.offset),
      committedAtMs: Number(r.at),
    }));
  }

  /**
   * Per place, the journal read last and its committed offset (for a place with none, the offset
   * stored before journal ids, with no journal): where a follower starts, unless the place names
   * another journal when it connects.
   */
  async latestOffsets(): Promise<Map<string, { offset: number; journalId?: string }>> {
    const legacy = await this.db.rows<{ place_id: string; offset: string }>(
      sql`SELECT place_id, max(committed_offset) AS offset FROM ${this.db.table("ingest_offsets")} GROUP BY place_id`,
    );
    const latest = await this.db.rows<{ place_id: string; journal_id: string; offset: string }>(
      sql`SELECT place_id, argMax(journal_id, at) AS journal_id, argMax(o, at) AS offset FROM (
        SELECT place_id, journal_id, max(committed_offset) AS o, max(committed_at_ms) AS at
        FROM ${this.db.table("journal_offsets")} GROUP BY place_id, journal_id) GROUP BY place_id`,
    );
    const byPlace = new Map<string, { offset: number; journalId?: string }>();
    for (const r of legacy) byPlace.set(r.place_id, { offset: Number(r.offset) });
    for (const r of latest) byPlace.set(r.place_id, { offset: Number(r.offset), journalId: r.journal_id });
    return byPlace;
  }

  /** The offset committed before journal ids existed (ingest_offsets), 0 when none. */
  async legacyOffset(placeId: string): Promise<number> {
    const [row] = await this.db.rows<{ offset: string }>(
      sql`SELECT max(committed_offset) AS offset FROM ${this.db.table("ingest_offsets")}
        WHERE place_id = ${lit.string(placeId)}`,
    );
    return Number(row?.offset ?? 0);
  }
}
