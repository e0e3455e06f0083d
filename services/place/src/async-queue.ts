import { waitFor } from "./wait-for.js";

/**
 * A one-consumer queue for server streams. With `keyOf`, a newer item replaces a queued one with
 * the same key, so a slow consumer gets the latest state without the queue growing.
 */
export class AsyncQueue<T> {
  private readonly items = new Map<unknown, T>();
  private wake: (() => void) | undefined;
  private seq = 0;
  private closed = false;

  constructor(private readonly keyOf?: (item: T) => unknown) {}

  push(item: T): void {
    if (this.closed) return;
    const key = this.keyOf ? this.keyOf(item) : this.seq++;
    this.items.delete(key); // re-inserted at the end: Map order is queue order
    this.items.set(key, item);
    this.wake?.();
  }

  /** End the stream after the queued items. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *drain(signal: AbortSignal): AsyncGenerator<T, void, undefined> {
    while (true) {
      for (const [key, item] of this.items) {
        this.items.delete(key);
        yield item;
      }
      if (this.closed) return;
      if (this.items.size > 0) continue;
      await waitFor((wake) => {
        this.wake = wake;
        return () => (this.wake = undefined);
      }, signal);
    }
  }
}
