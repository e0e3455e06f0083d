import type { RowBinaryInsert } from "@biometricflow/clickhouse";

export interface PunchInsertsOptions {
  /** Rows of one INSERT at most: it is ended once it holds them. */
  maxRows: number;
  /** An INSERT is ended this long after it opened, so rows are stored within about that. */
  maxAgeMs: number;
  /** ...or once nothing was written to it for this long (the followers have nothing more now). */
  idleMs: number;
}

interface Open {
  insert: RowBinaryInsert;
  rows: number;
  /** Settles with the INSERT, once ended. */
  done: Promise<void>;
  end(): void;
}

/**
 * The followers' punches, all places together, written into one open INSERT at a time as they
 * come (RowBinaryInsert): ClickHouse parses them while the followers decode more, and makes its
 * parts when the INSERT ends, at maxRows, maxAgeMs or idleMs. A catch-up is then a few large
 * parts instead of a part per batch (each part is a few dozen files, most of a small insert's
 * cost), and ClickHouse never waits for a whole batch to be built before it can start on it.
 *
 * Each add() settles with the INSERT that carried its rows; a failed INSERT fails every add in it
 * and the followers retry their own rows. After a failure each add is an INSERT of its own until
 * one is stored (as InsertQueue does), so rows the server refuses cannot hold back the others.
 */
export class PunchInserts {
  private open: Open | undefined;
  /** The last INSERT failed: one add per INSERT until one is stored. */
  private solo = false;

  constructor(
    private readonly start: () => RowBinaryInsert,
    private readonly o: PunchInsertsOptions,
  ) {}

  /**
   * Write `count` rows (RowBinary, left unchanged until this settles) into the open INSERT, and
   * end it at once when `now` (rows that waited long enough, or a last flush); settles when that
   * INSERT is stored or failed.
   */
  add(rows: Buffer, count: number, now = false): Promise<void> {
    const open = this.open ?? (this.open = this.openInsert());
    open.insert.write(rows);
    open.rows += count;
    if (now || this.solo || open.rows >= this.o.maxRows) open.end();
    return open.done;
  }

  /** End the open INSERT now, if there is one (a follower stores what it holds before it waits). */
  endNow(): void {
    this.open?.end();
  }

  private openInsert(): Open {
    const insert = this.start();
    let ended = false;
    let settle!: { resolve(): void; reject(err: unknown): void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearTimeout(age);
      clearInterval(idle);
      if (this.open === open) this.open = undefined;
      insert.end().then(
        () => {
          this.solo = false;
          settle.resolve();
        },
        (err: unknown) => {
          this.solo = true;
          settle.reject(err);
        },
      );
    };
    insert.result.catch(end); // failed early (ClickHouse down): its callers retry at once
    const age = setTimeout(end, this.o.maxAgeMs);
    // Ended when a check finds nothing written since the one before it.
    let seen = 0;
    const idle = setInterval(() => (open.rows === seen ? end() : (seen = open.rows)), this.o.idleMs);
    const open: Open = { insert, rows: 0, done, end };
    return open;
  }
}
