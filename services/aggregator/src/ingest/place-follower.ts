import type { Punch, WatchPunchesResponse } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { punchRow } from "../store/punch-row.js";
import type { PunchStore } from "../store/punch-store.js";
import { Backoff, retry, sleep } from "./backoff.js";
import type { IngestStatusBoard } from "./ingest-status.js";
import type { LiveHub } from "./live-hub.js";
import { nextOrTimeout, TIMEOUT } from "./next-or-timeout.js";
import { tracedInsert } from "./traced-insert.js";

export interface FollowerOptions {
  batchSize: number;
  flushMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface FollowerDeps {
  placeId: string;
  /** WatchPunches of the place from an offset; the stream ends or throws when the link drops. */
  watch(fromOffset: number, signal: AbortSignal): AsyncIterable<WatchPunchesResponse>;
  store: PunchStore;
  hub: LiveHub;
  status: IngestStatusBoard;
  log: Logger;
  options: FollowerOptions;
}

/**
 * Follows one place's journal into ClickHouse. Punches are buffered and inserted when the buffer
 * holds batchSize or its oldest punch waited flushMs; the offset is committed only after the
 * insert succeeded, so a crash at any point replays at most the uncommitted tail, which the
 * ReplacingMergeTree key folds away (exactly once in the FINAL view).
 *
 * Backpressure: while an insert is pending or retried the stream is not read, so gRPC flow
 * control holds the place back; memory is bounded by batchSize plus what the stream buffers.
 * A dropped link is retried with backoff from the newest offset received; other places' followers
 * are independent of this one.
 */
export class PlaceFollower {
  private buffer: Punch[] = [];
  private oldestAt = 0;
  private received = 0;
  private committed = 0;
  private head = 0;

  constructor(private readonly d: FollowerDeps) {}

  /** Newest offset read from the place, newest stored and committed, punches held in memory. */
  get position(): { received: number; committed: number; buffered: number } {
    return { received: this.received, committed: this.committed, buffered: this.buffer.length };
  }

  /** Follow until `signal` aborts, then try one last flush for up to `finalFlushMs`. */
  async run(startOffset: number, signal: AbortSignal, finalFlushMs: number): Promise<void> {
    this.received = this.committed = startOffset;
    this.d.status.update(this.d.placeId, { committedOffset: startOffset, receivedOffset: startOffset });
    const backoff = new Backoff(this.d.options.retryInitialMs, this.d.options.retryMaxMs);
    while (!signal.aborted) {
      try {
        await this.follow(signal, () => backoff.reset());
        this.lost(new Error("the place ended the stream"));
      } catch (err) {
        if (signal.aborted) break;
        this.lost(err);
      }
      try {
        await this.flush(signal); // store what we hold before waiting for the place
        await sleep(backoff.next(), signal);
      } catch {
        // Only an abort ends flush() or sleep(): shutting down.
      }
    }
    this.d.status.update(this.d.placeId, { connected: false });
    if (this.buffer.length === 0) return;
    try {
      await this.flush(AbortSignal.timeout(finalFlushMs));
    } catch {
      this.d.log.warn(
        { place: this.d.placeId, punches: this.buffer.length, committed: this.committed },
        "could not store the last punches before exit; they are replayed at the next start",
      );
    }
  }

  private lost(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.d.status.update(this.d.placeId, { connected: false, lastError: `place stream: ${message}` });
    this.d.log.warn(
      { place: this.d.placeId, err: message, received: this.received },
      "place stream lost; reconnecting",
    );
  }

  private async follow(signal: AbortSignal, onData: () => void): Promise<void> {
    const link = new AbortController();
    const stop = (): void => link.abort();
    signal.addEventListener("abort", stop, { once: true });
    const it = this.d.watch(this.received, link.signal)[Symbol.asyncIterator]();
    let next = it.next();
    let first = true;
    try {
      while (true) {
        const r =
          this.buffer.length === 0
            ? await next
            : await nextOrTimeout(next, this.oldestAt + this.d.options.flushMs - Date.now());
        if (r === TIMEOUT) {
          await this.flush(signal); // the stream is not read meanwhile: backpressure
          continue;
        }
        if (r.done) return;
        if (first) onData();
        first = false;
        this.accept(r.value);
        if (this.buffer.length >= this.d.options.batchSize) await this.flush(signal);
        next = it.next();
      }
    } finally {
      signal.removeEventListener("abort", stop);
      link.abort();
      next.catch(() => undefined);
    }
  }

  private accept(message: WatchPunchesResponse): void {
    this.head = Math.max(this.head, message.headOffset);
    this.d.status.update(this.d.placeId, { connected: true, headOffset: this.head, lastError: "" });
    for (const p of message.punches) {
      // Already held or stored (a place replaying after a reconnect): nothing to do.
      if (p.offset <= this.received) continue;
      if (p.offset !== this.received + 1) {
        this.d.log.warn(
          { place: this.d.placeId, expected: this.received + 1, got: p.offset },
          "gap in journal offsets",
        );
      }
      if (this.buffer.length === 0) this.oldestAt = Date.now();
      this.buffer.push(p);
      this.received = p.offset;
    }
    this.d.status.update(this.d.placeId, { receivedOffset: this.received });
  }

  /** Insert the buffer, then commit its newest offset; retried (with backoff) until done or aborted. */
  private async flush(signal: AbortSignal): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    const last = batch[batch.length - 1]!.offset;
    const { placeId, store, options, log } = this.d;
    const onError = (what: string) => (err: unknown, attempt: number, delayMs: number) => {
      const message = err instanceof Error ? err.message : String(err);
      this.d.status.update(placeId, { lastError: `ClickHouse ${what}: ${message}` });
      log.warn(
        { place: placeId, attempt, delayMs, err: message, rows: batch.length },
        `ClickHouse ${what} failed; retrying`,
      );
    };
    const policy = { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs, signal };
    // A punch that cannot be stored fails like an insert: retried, reported, the stream left unread.
    await tracedInsert(placeId, batch, () =>
      retry(() => store.insertPunches(batch.map(punchRow)), { ...policy, onError: onError("insert") }),
    );
    await retry(() => store.commitOffset(placeId, last, Math.max(this.head, last)), {
      ...policy,
      onError: onError("offset commit"),
    });
    this.committed = last;
    this.buffer = [];
    this.d.status.update(placeId, { committedOffset: last, lastError: "" });
    this.d.hub.publish(batch);
  }
}
