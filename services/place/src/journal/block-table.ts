import type { Database, Statement } from "better-sqlite3";
import { PunchBlock } from "@biometricflow/proto";
import { punchBlock } from "./punch-block.js";
import type { PunchTable } from "./punch-table.js";

/**
 * Punches per sealed block: the aggregator's default WatchPunches batch. Blocks cover offsets
 * 1-1000, 1001-2000...: a reader that starts elsewhere reads rows up to the next boundary.
 */
export const SEALED_BLOCK_SIZE = 1_000;

/**
 * The punch_blocks table: complete runs of the journal's punches, stored once more as the packed
 * PunchBlock a replay sends, so a catch-up reads one row per thousand punches instead of building
 * each block from the punch rows (about two thirds of a place's CPU in a catch-up). Sealed in the
 * transaction that stores the run's last punch, so a block always matches its rows.
 */
export class BlockTable {
  private readonly insert: Statement<[number, number, string, Buffer]>;
  private readonly select: Statement<[number], unknown[]>;
  private readonly selectEnd: Statement<[], number>;

  constructor(db: Database) {
    this.insert = db.prepare(
      `INSERT INTO punch_blocks (first_offset, count, strings, packed) VALUES (?, ?, ?, ?)`,
    );
    this.select = db
      .prepare<[number], unknown[]>(`SELECT count, strings, packed FROM punch_blocks WHERE first_offset = ?`)
      .raw();
    this.selectEnd = db
      .prepare<[], number>(
        `SELECT first_offset + count - 1 FROM punch_blocks ORDER BY first_offset DESC LIMIT 1`,
      )
      .pluck();
  }

  /** The sealed block that starts at `firstOffset`, as WatchPunches sends it, if there is one. */
  at(firstOffset: number): PunchBlock | undefined {
    const r = this.select.get(firstOffset);
    if (!r) return undefined;
    return PunchBlock.fromPartial({
      firstOffset,
      count: r[0] as number,
      strings: JSON.parse(r[1] as string) as string[],
      packed: r[2] as Buffer,
    });
  }

  /** The last offset sealed, 0 when none is. */
  end(): number {
    return this.selectEnd.get() ?? 0;
  }

  /**
   * Seal the complete runs of SEALED_BLOCK_SIZE punches after the last sealed one up to the journal's
   * head `head`, at most `limit` blocks; returns how many. Call inside a transaction. Nothing is sealed on a big-endian machine
   * (the packed layout is little-endian) nor past a gap in the offsets (a journal has none): those
   * punches are read from their rows.
   */
  seal(punches: PunchTable, head: number, limit = Infinity): number {
    let end = this.end();
    let sealed = 0;
    while (sealed < limit && end + SEALED_BLOCK_SIZE <= head) {
      const rows = punches.blockAfter(end, SEALED_BLOCK_SIZE);
      if (rows?.firstOffset !== end + 1 || rows.count !== SEALED_BLOCK_SIZE) break;
      const block = punchBlock(rows, true);
      if (block.packed.length === 0) break;
      this.insert.run(
        block.firstOffset,
        block.count,
        JSON.stringify(block.strings),
        Buffer.from(block.packed),
      );
      end += SEALED_BLOCK_SIZE;
      sealed++;
    }
    return sealed;
  }
}
