/** Exponential backoff with jitter: initial, 2x, 4x... up to max; each delay is 50-100% of that. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    // Jitter keeps many followers from hammering a recovering ClickHouse in lockstep.
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Wait `ms`, or reject with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortError(): Error {
  return new DOMException("The operation was aborted", "AbortError");
}

export interface RetryOptions {
  initialMs: number;
  maxMs: number;
  signal?: AbortSignal;
  /** Called after each failure, with the delay before the next attempt. */
  onError?(err: unknown, attempt: number, delayMs: number): void;
}

/** Run `fn` until it succeeds or `signal` aborts (then the AbortError is thrown). */
export async function retry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const backoff = new Backoff(o.initialMs, o.maxMs);
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw abortError();
    try {
      return await fn();
    } catch (err) {
      if (o.signal?.aborted) throw abortError();
      const delay = backoff.next();
      o.onError?.(err, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}
