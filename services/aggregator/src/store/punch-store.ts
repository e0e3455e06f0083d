import { sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import { PUNCH_COLUMNS } from "./punch-row.js";

/** Punches and ingest offsets: what the followers write. */
export class PunchStore {
  constructor(private readonly db: ClickHouseDb) {}

  /** Rows made by writePunchRow or PunchBlockRows (RowBinary), as one insert. */
  insertPunches(rows: Buffer): Promise<void> {
    return this.db.insertRowBinary("punches", PUNCH_COLUMNS, rows);
  }

  /** Record that every punch up to `offset` is stored (call only after the insert succeeded). */
  commitOffset(placeId: string, offset: number, head: number): Promise<void> {
    return this.db.insert("ingest_offsets", [
      { place_id: placeId, committed_offset: offset, head_offset: head },
    ]);
  }

  /** The newest committed offset per place; offsets only grow, so max() needs no FINAL. */
  async committedOffsets(): Promise<Map<string, number>> {
    const rows = await this.db.rows<{ place_id: string; offset: string }>(
      sql`SELECT place_id, max(committed_offset) AS offset FROM ${this.db.table("ingest_offsets")} GROUP BY place_id`,
    );
    return new Map(rows.map((r) => [r.place_id, Number(r.offset)]));
  }
}
