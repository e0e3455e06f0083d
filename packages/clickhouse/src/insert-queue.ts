interface Waiting<T> {
  item: T;
  count: number;
  done: { resolve(): void; reject(err: unknown): void };
}

/**
 * Inserts into one table, one at a time: each insert carries every item added while the one
 * before it ran, or in the same turn of the event loop (up to `maxRows`), in the order they came.
 * Every INSERT makes a new part of a few dozen files in ClickHouse, and creating files is most of
 * what a small insert costs the server, so concurrent callers (each place's follower, sync and
 * device watch) share inserts instead of making a part each.
 *
 * Each item's promise settles with the insert that carried it: a failed insert fails every item
 * in it, and the callers retry their own. After a failure items go one per insert until one
 * succeeds, so a row the server rejects cannot hold back the others it was grouped with.
 */
export class InsertQueue<T> {
  private readonly waiting: Waiting<T>[] = [];
  private running = false;
  private solo = false;

  constructor(
    /** Insert the items (each `add`ed item, in order) as one INSERT. */
    private readonly insert: (items: T[]) => Promise<void>,
    private readonly maxRows: number,
  ) {}

  /** Insert `item` of `count` rows; settles when the insert that carries it does. */
  add(item: T, count: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, count, done: { resolve, reject } });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      // Callers woken together (the batches of one insert committing their offsets) add in the
      // same turn: wait for the end of it so they share one insert.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.waiting.length > 0) {
        const group = this.take();
        try {
          await this.insert(group.map((w) => w.item));
          this.solo = false;
          for (const w of group) w.done.resolve();
        } catch (err) {
          this.solo = true;
          for (const w of group) w.done.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The oldest waiting items, at least one, up to maxRows in all (one only after a failure). */
  private take(): Waiting<T>[] {
    let rows = this.waiting[0]!.count;
    let n = 1;
    while (!this.solo && n < this.waiting.length && rows + this.waiting[n]!.count <= this.maxRows)
      rows += this.waiting[n++]!.count;
    return this.waiting.splice(0, n);
  }
}
