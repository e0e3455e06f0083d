import type { Punch, WatchPunchesResponse } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { PunchBlockRows } from "../store/punch-block-rows.js";
import { writePunchRow } from "../store/punch-row.js";
import type { PunchStore } from "../store/punch-store.js";
import { Backoff, retry, sleep } from "./backoff.js";
import type { IngestStatusBoard } from "./ingest-status.js";
import { InsertSpans } from "./insert-spans.js";
import { journalRestart, journalStart } from "./journal-start.js";
import type { LiveHub } from "./live-hub.js";
import { nextOrTimeout, TIMEOUT } from "./next-or-timeout.js";
import { PunchInserts } from "./punch-inserts.js";
import { RowBinaryBatch } from "./row-binary-batch.js";

/** The punches received and not yet stored: their rows, and what live subscribers and traces need. */
interface Batch {
  rows: RowBinaryBatch;
  /** Kept only while someone watches StreamPunches: published once stored. */
  live: Punch[];
  spans: InsertSpans;
}

/** A batch handed to ClickHouse, until its rows are stored and its offset committed. */
interface Store {
  batch: Batch;
  /** Its rows are in ClickHouse. */
  inserted: boolean;
  /** Stored and committed (by itself or by a later batch). */
  finished: boolean;
  /** The batch handed off after it, once there is one. */
  next?: Store;
  /** Settles when it is stored and committed (or a later batch's commit covers it). */
  done: Promise<void>;
}

export interface FollowerOptions {
  batchSize: number;
  flushMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

export interface FollowerDeps {
  placeId: string;
  /**
   * Which journal the place serves now (GetPlace journal_id, "" from a place that predates journal
   * ids) and its head, once the address proved to serve this place; called at every connect.
   * Without it the journal is taken as "" (one journal).
   */
  connect?(signal: AbortSignal): Promise<{ journalId: string; head: number }>;
  /**
   * WatchPunches of the place's journal `journalId` from an offset (asking for columnar blocks; a
   * place may still send Punch messages, and both are read); the stream ends or throws when the
   * link drops, and fails if the place's journal is not `journalId` (any longer).
   */
  watch(fromOffset: number, signal: AbortSignal, journalId: string): AsyncIterable<WatchPunchesResponse>;
  store: PunchStore;
  /** Where the batches' rows go: shared by the followers of all places (one open INSERT). */
  inserts?: PunchInserts;
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
 * Each punch becomes its RowBinary row as it arrives (a bad one throws there: the stream is
 * dropped and retried, so the place's ingest stalls loudly instead of losing the punch); the
 * punch objects are kept only for StreamPunches subscribers present when it arrived.
 *
 * Punches are handed to ClickHouse a tenth of a batch at a time, into the INSERT open for all
 * places (PunchInserts), while more are read: the place, the aggregator's decoding and ClickHouse
 * all work at once, and an INSERT still gathers up to a few batches into a few large parts.
 * Offsets are committed in order, after the rows up to them are stored; one commit covers every
 * batch stored by then.
 *
 * Backpressure: while two batches are handed off and not yet stored (an insert pending or
 * retried) the stream is not read, so gRPC flow control holds the place back; memory is bounded
 * by two batches plus what the stream buffers.
 * A dropped link is retried with backoff from the newest offset received; other places' followers
 * are independent of this one.
 *
 * Offsets are positions in one journal (journal_id): at each connect the follower asks which
 * journal the place serves; a journal other than the one it was reading (restored from a backup or
 * recreated, numbering from 1 again) is read from its own committed offset, 0 if never seen
 * (journalStart), instead of skipping its punches below the old journal's offset.
 */
export class PlaceFollower {
  private buffer: Batch;
  /** Batches handed off and not yet stored and committed, oldest first. */
  private stores: Store[] = [];
  /** Rows buffers of batches stored, for the next ones. */
  private readonly spares: RowBinaryBatch[] = [];
  private readonly inserts: PunchInserts;
  private received = 0;
  private committed = 0;
  private head = 0;
  /** The journal `received` and `committed` are positions in; undefined until the first connect. */
  private journalId: string | undefined;
  /** What its offsets are committed under (journalStart): the journal id, or a later key for it. */
  private offsetKey = "";

  constructor(private readonly d: FollowerDeps) {
    this.buffer = this.newBatch();
    const { flushMs, batchSize } = d.options;
    this.inserts =
      d.inserts ??
      new PunchInserts(() => d.store.openPunchInsert(), {
        maxRows: batchSize,
        maxAgeMs: flushMs,
        idleMs: Math.max(1, Math.ceil(flushMs / 10)),
      });
    if (!d.connect) this.journalId = ""; // one journal: run()'s startOffset is where to read from
  }

  /** A new batch, reusing the rows buffer of the one just stored. */
  private newBatch(rows = new RowBinaryBatch()): Batch {
    rows.clear();
    return { rows, live: [], spans: new InsertSpans(this.d.placeId) };
  }

  /** Newest offset read from the place, newest stored and committed, punches held in memory. */
  get position(): { received: number; committed: number; buffered: number } {
    return { received: this.received, committed: this.committed, buffered: this.held };
  }

  /** Punches received and not yet stored. */
  private get held(): number {
    return this.buffer.rows.rows + this.handedOff;
  }

  /** Punches handed off and not yet stored and committed. */
  private get handedOff(): number {
    return this.stores.reduce((n, s) => n + (s.finished ? 0 : s.batch.rows.rows), 0);
  }

  /**
   * Follow until `signal` aborts, then try one last flush for up to `finalFlushMs`, from
   * `startOffset` of `journalId` (the journal read last). A place that names another journal when
   * it connects is read from that journal's committed offset (journalStart) instead.
   */
  async run(
    startOffset: number,
    signal: AbortSignal,
    finalFlushMs: number,
    journalId?: string,
  ): Promise<void> {
    this.received = this.committed = startOffset;
    if (journalId !== undefined) {
      this.offsetKey = journalId;
      this.journalId = journalId.split("@")[0];
    }
    this.d.status.update(this.d.placeId, {
      committedOffset: startOffset,
      receivedOffset: startOffset,
      journalId: this.journalId ?? "",
    });
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
    if (this.held === 0) return;
    try {
      await this.flush(AbortSignal.timeout(finalFlushMs));
    } catch {
      this.d.log.warn(
        { place: this.d.placeId, punches: this.held, committed: this.committed },
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
    let next: Promise<IteratorResult<WatchPunchesResponse>> | undefined;
    let first = true;
    /** Reading punches faster than they are made (whole tenths of a batch at a time). */
    let backlog = false;
    try {
      const now = this.d.connect ? await this.d.connect(link.signal) : { journalId: "", head: 0 };
      // Another journal, or this one behind what is stored (restored from a backup): read it anew.
      if (now.journalId !== this.journalId || (this.d.connect && now.head < this.committed))
        await this.switchJournal(now.journalId, now.head, signal);
      else if (this.d.connect && this.committed > 0 && this.received === this.committed) {
        // Restored from a backup and grown past the stored offset again while we were away: its
        // offsets after the backup name other punches, which reading on would skip.
        if (!(await this.storedAt(this.committed, now.journalId, link.signal)))
          await this.switchJournal(
            now.journalId,
            now.head,
            signal,
            `place ${this.d.placeId}'s journal ${now.journalId} holds at offset ${this.committed} a punch ` +
              `that is not stored (restored from a backup?)`,
          );
      }
      const it = this.d.watch(this.received, link.signal, now.journalId)[Symbol.asyncIterator]();
      next = it.next();
      while (true) {
        const { rows } = this.buffer;
        const r =
          rows.rows === 0
            ? await next
            : await nextOrTimeout(next, rows.firstAt + this.d.options.flushMs - Date.now());
        if (r === TIMEOUT) {
          // Not ended at once: with many places, one INSERT a flushMs instead of one per place.
          await this.handOff(signal, false);
          continue;
        }
        if (r.done) return;
        if (first) onData();
        first = false;
        this.accept(r.value);
        const full = this.full();
        const caughtUp = this.received >= this.head;
        backlog ||= full;
        // At the end of a backlog nothing more is coming soon: the INSERT need not wait for more.
        if (full || (backlog && caughtUp)) await this.handOff(signal, backlog && caughtUp);
        if (caughtUp) backlog = false;
        next = it.next();
      }
    } finally {
      signal.removeEventListener("abort", stop);
      link.abort();
      next?.catch(() => undefined);
    }
  }

  /**
   * Read `journalId` from now on: from its committed offset, or 0 for a journal never read or one
   * behind its committed offset (journalStart); from 0 under a new key when it `diverged` (why).
   */
  private async switchJournal(
    journalId: string,
    head: number,
    signal: AbortSignal,
    diverged?: string,
  ): Promise<void> {
    await this.flush(signal); // what is held belongs to the journal read so far (normally nothing)
    const { placeId, store, log } = this.d;
    const at = { placeId, journalId, head, log };
    const starting = diverged ? journalRestart(store, at, diverged) : journalStart(store, at);
    const start = await starting.catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`ClickHouse: reading the committed offset of journal ${journalId}: ${message}`, {
        cause: err,
      });
    });
    this.journalId = journalId;
    this.offsetKey = start.key;
    this.received = this.committed = start.offset;
    this.head = head;
    this.d.status.update(placeId, {
      journalId,
      committedOffset: start.offset,
      receivedOffset: start.offset,
      headOffset: head,
    });
  }

  /**
   * Whether the place's punch at `offset` of `journalId` is stored; true when the journal no
   * longer has that offset (nothing to compare).
   */
  private async storedAt(offset: number, journalId: string, signal: AbortSignal): Promise<boolean> {
    for await (const m of this.d.watch(offset - 1, signal, journalId)) {
      const p = m.punches[0] ?? (m.block?.count ? new PunchBlockRows(m.block).punch(0) : undefined);
      if (!p) continue;
      if (p.offset !== offset) return true;
      return this.d.store.holdsPunch(p).catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`ClickHouse: looking up the punch at offset ${offset}: ${message}`, { cause: err });
      });
    }
    return true;
  }

  private accept(message: WatchPunchesResponse): void {
    this.head = Math.max(this.head, message.headOffset);
    this.d.status.update(this.d.placeId, { connected: true, headOffset: this.head, lastError: "" });
    for (const p of message.punches) {
      if (!this.expect(p.offset)) continue;
      const batch = this.buffer;
      writePunchRow(p, batch.rows);
      if (this.d.hub.size > 0) batch.live.push(p);
      batch.spans.add(p.offset, p.trace);
      this.received = p.offset;
    }
    if (message.block && message.block.count > 0) this.acceptBlock(new PunchBlockRows(message.block));
    this.d.status.update(this.d.placeId, { receivedOffset: this.received });
  }

  /** A block's punches, with no Punch object unless a live subscriber wants them. */
  private acceptBlock(block: PunchBlockRows): void {
    const batch = this.buffer;
    const live = this.d.hub.size > 0;
    for (let i = 0; i < block.count; i++) {
      const offset = block.offset(i);
      if (!this.expect(offset)) continue;
      block.write(i, batch.rows);
      if (live) batch.live.push(block.punch(i));
      if (batch.spans.wanted) batch.spans.add(offset, block.trace(i));
      this.received = offset;
    }
  }

  /** False for a punch already held or stored (a place replaying after a reconnect). */
  private expect(offset: number): boolean {
    if (offset <= this.received) return false;
    if (offset !== this.received + 1) {
      this.d.log.warn(
        { place: this.d.placeId, expected: this.received + 1, got: offset },
        "gap in journal offsets",
      );
    }
    return true;
  }

  /** Time to hand the buffer off: it holds a tenth of a batch. */
  private full(): boolean {
    return this.buffer.rows.rows >= Math.ceil(this.d.options.batchSize / 10);
  }

  /**
   * Hand the buffer to ClickHouse and go on reading into a fresh one; `now`: end the INSERT it
   * goes into at once. While two batches are handed off and not stored, first waits for the oldest
   * to be stored (the stream is not read meanwhile: backpressure).
   */
  private async handOff(signal: AbortSignal, now: boolean): Promise<void> {
    const limit = 2 * this.d.options.batchSize;
    while (this.stores[0]?.finished) this.spares.push(this.stores.shift()!.batch.rows);
    while (this.stores.length > 0 && this.handedOff + this.buffer.rows.rows > limit)
      await this.settleOldest(signal);
    const batch = this.buffer;
    if (batch.rows.rows === 0) return;
    this.buffer = this.newBatch(this.spares.pop());
    const before = this.stores.at(-1);
    const store: Store = { batch, inserted: false, finished: false, done: Promise.resolve() };
    store.done = this.store(store, before?.done, signal, now);
    store.done.catch(() => undefined); // seen by settleOldest()
    if (before) before.next = store;
    this.stores.push(store);
  }

  /**
   * Wait until the oldest batch handed off is stored and committed; one whose store was cut short
   * (only an abort does that) is stored again under `signal`.
   */
  private async settleOldest(signal: AbortSignal): Promise<void> {
    const oldest = this.stores[0]!;
    const stored = await oldest.done.then(
      () => true,
      () => false,
    );
    if (!stored) await this.store(oldest, undefined, signal, true);
    this.stores.shift();
    this.spares.push(oldest.batch.rows);
  }

  /** Store all that is held: the batches handed off, in order, then the buffer. */
  private async flush(signal: AbortSignal): Promise<void> {
    this.inserts.endNow();
    while (this.stores.length > 0) await this.settleOldest(signal);
    const batch = this.buffer;
    if (batch.rows.rows === 0) return;
    const store: Store = { batch, inserted: false, finished: false, done: Promise.resolve() };
    await this.store(store, undefined, signal, true);
    this.buffer = this.newBatch(batch.rows);
  }

  /**
   * Insert a batch, then, once the batch before it (`before`) is stored and committed, commit its
   * newest offset, unless the batch after it is stored by then and will commit for both; each
   * retried (with backoff) until done or aborted. `now`: end the INSERT it goes into at once.
   */
  private async store(
    s: Store,
    before: Promise<void> | undefined,
    signal: AbortSignal,
    now: boolean,
  ): Promise<void> {
    const { batch } = s;
    const { rows } = batch;
    const last = rows.lastOffset;
    const { placeId, store, options, log } = this.d;
    const onError = (what: string) => (err: unknown, attempt: number, delayMs: number) => {
      const message = err instanceof Error ? err.message : String(err);
      this.d.status.update(placeId, { lastError: `ClickHouse ${what}: ${message}` });
      log.warn(
        { place: placeId, attempt, delayMs, err: message, rows: rows.rows },
        `ClickHouse ${what} failed; retrying`,
      );
    };
    const policy = { initialMs: options.retryInitialMs, maxMs: options.retryMaxMs, signal };
    if (!s.inserted) {
      await batch.spans.around(rows.rows, () =>
        retry(() => this.inserts.add(rows.bytes, rows.rows, now), { ...policy, onError: onError("insert") }),
      );
      s.inserted = true;
    }
    await before;
    if (!s.next?.inserted) {
      const key = this.offsetKey;
      await retry(() => store.commitOffset(placeId, key, last, Math.max(this.head, last)), {
        ...policy,
        onError: onError("offset commit"),
      });
      this.committed = last;
      this.d.status.update(placeId, { committedOffset: last, lastError: "" });
    }
    s.finished = true;
    if (batch.live.length > 0) this.d.hub.publish(batch.live);
  }
}
