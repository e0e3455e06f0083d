export interface BatcherOptions {
  /** How long the first item of a batch waits for others. */
  lingerMs: number;
  /** Most items in one call. */
  maxBatch: number;
  /** Most items waiting for a call; beyond it add() fails at once. */
  maxPending: number;
  /** Most calls in flight at once. */
  maxInFlight: number;
}

/** add() refused an item: too many wait already (the receiver is slow or unreachable). */
export class BatcherFullError extends Error {
  constructor(pending: number) {
    super(`${pending} items already wait to be sent; not queueing more`);
    this.name = "BatcherFullError";
  }
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Coalesces items into calls: the first item of a batch waits up to `lingerMs` for others, a
 * full batch goes at once, at most `maxInFlight` calls run together. Memory is bounded: at most
 * `maxPending` items wait, and each call ends (its deadline is the sender's business). `send`
 * answers per item, in order: a result, or an Error for that item alone.
 */
export class Batcher<T, R> {
  private pending: Waiting<T, R>[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The linger expired while every call slot was busy: send as soon as one frees. */
  private due = false;

  constructor(
    private readonly send: (items: T[]) => Promise<(R | Error)[]>,
    private readonly o: BatcherOptions,
  ) {}

  add(item: T): Promise<R> {
    if (this.pending.length >= this.o.maxPending)
      return Promise.reject(new BatcherFullError(this.pending.length));
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.o.maxBatch) this.flush();
      else if (!this.timer && !this.due) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.due = true;
          this.flush();
        }, this.o.lingerMs);
      }
    });
  }

  /** Items waiting for a call (for tests and metrics). */
  get waiting(): number {
    return this.pending.length;
  }

  private flush(): void {
    while (this.inFlight < this.o.maxInFlight && this.pending.length > 0) {
      if (!this.due && this.pending.length < this.o.maxBatch) return; // let the rest linger
      const batch = this.pending.splice(0, this.o.maxBatch);
      if (this.pending.length === 0) {
        this.due = false;
        clearTimeout(this.timer);
        this.timer = undefined;
      }
      this.inFlight++;
      void this.call(batch);
    }
  }

  private async call(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.send(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const r = results[i];
        if (i >= results.length) w.reject(new Error(`no answer for item ${i + 1} of ${batch.length}`));
        else if (r instanceof Error) w.reject(r);
        else w.resolve(r as R);
      });
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.inFlight--;
      this.flush();
    }
  }
}
