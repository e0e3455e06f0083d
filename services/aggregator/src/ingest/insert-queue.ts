interface Waiting {
  rows: Buffer;
  count: number;
  done: { resolve(): void; reject(err: unknown): void };
}

/**
 * The followers' inserts into punches, one at a time: each insert takes every batch that waited
 * while the one before it ran (up to `maxRows`), as one INSERT. With several places that makes
 * fewer, larger parts, inserted one after another instead of side by side, which is what costs
 * ClickHouse the least CPU a row (sorting, writing and later merging parts). Each batch's promise
 * settles with the insert that carried it: a failed insert fails every batch in it, and each
 * follower retries its own (ClickHouse keeps one row per punch whatever is stored twice).
 */
export class InsertQueue {
  private readonly waiting: Waiting[] = [];
  private running = false;

  constructor(
    private readonly insert: (rows: Buffer) => Promise<void>,
    private readonly maxRows: number,
  ) {}

  /** True when no insert runs or waits: ClickHouse has nothing of ours to do. */
  get idle(): boolean {
    return !this.running && this.waiting.length === 0;
  }

  /** Store `count` rows (RowBinary); settles when the insert that carries them does. */
  add(rows: Buffer, count: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ rows, count, done: { resolve, reject } });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.take();
        try {
          await this.insert(group.length === 1 ? group[0]!.rows : Buffer.concat(group.map((w) => w.rows)));
          for (const w of group) w.done.resolve();
        } catch (err) {
          for (const w of group) w.done.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The oldest waiting batches, at least one, up to maxRows in all. */
  private take(): Waiting[] {
    let rows = this.waiting[0]!.count;
    let n = 1;
    while (n < this.waiting.length && rows + this.waiting[n]!.count <= this.maxRows)
      rows += this.waiting[n++]!.count;
    return this.waiting.splice(0, n);
  }
}
