import { storeGroups, type IngestDeps, type IngestResult, type ValidGroup } from "./ingest.js";

interface Waiting {
  group: ValidGroup;
  resolve(result: IngestResult): void;
  reject(err: unknown): void;
}

/**
 * Group commit. A commit blocks the event loop for its fsync; the ingest calls that arrive
 * meanwhile are all stored in the next turn, in one transaction: one fsync for many calls
 * instead of one each, and one wake-up of the WatchPunches subscribers. Every call still
 * answers only after the commit that holds its punches.
 */
export class GroupCommit {
  private queue: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly d: IngestDeps,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves once `group` is durably stored, with the calls of the same turn. */
  store(group: ValidGroup): Promise<IngestResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ group, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // setImmediate runs after the I/O callbacks of this turn: every call read from the
      // sockets while the last commit blocked joins this one.
      setImmediate(() => this.flush());
    });
  }

  /** Calls waiting for the next commit (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    let result: ReturnType<typeof storeGroups>;
    try {
      result = storeGroups(
        this.d,
        batch.map((w) => w.group),
        this.now(),
      );
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    const { stored, headOffset } = result;
    batch.forEach((w, i) => {
      const n = stored[i]!;
      w.resolve({
        stored: n,
        duplicates: w.group.rows.length - n,
        rejected: w.group.rejected.length,
        headOffset,
      });
    });
  }
}
