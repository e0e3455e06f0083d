import type { Punch, WatchPunchesResponse } from "@biometricflow/proto";
import { InsertQueue } from "@biometricflow/clickhouse";
import type { Logger } from "@biometricflow/telemetry";
import { PunchBlockRows } from "../store/punch-block-rows.js";
import { writePunchRow } from "../store/punch-row.js";
import type { PunchStore } from "../store/punch-store.js";
import { Backoff, retry, sleep } from "./backoff.js";
import type { IngestStatusBoard } from "./ingest-status.js";
import { InsertSpans } from "./insert-spans.js";
import { journalStart } from "./journal-start.js";
import type { LiveHub } from "./live-hub.js";
import { nextOrTimeout, TIMEOUT } from "./next-or-timeout.js";
import { RowBinaryBatch } from "./row-binary-batch.js";

/** The punches received and not yet stored: their rows, and what live subscribers and traces need. */
interface Batch {
  rows: RowBinaryBatch;
  /** Kept only while someone watches StreamPunches: published once stored. */
  live: Punch[];
  spans: InsertSpans;
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
  /** Where the batches' rows go: shared by the followers of all places (one insert at a time). */
  inserts?: InsertQueue<Buffer>;
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
 * A full batch is stored while the next one fills, one store at a time so offsets are committed
 * in order: the place and the aggregator's decoding keep working during an insert instead of
 * idling (ClickHouse inserts bigger batches for less CPU a row, but a follower that stops reading
 * for each one leaves the cores idle meanwhile).
 *
 * Backpressure: when the next batch is full before the previous one is stored (an insert pending
 * or retried) the stream is not read, so gRPC flow control holds the place back; memory is bounded
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
  /** The batch being stored while `buffer` fills; kept after a store cut short, to store again. */
  private storing: { batch: Batch; done: Promise<void> } | undefined;
  /** The rows buffer of the last batch stored, for the next one. */
  private spare: RowBinaryBatch | undefined;
  private readonly inserts: InsertQueue<Buffer>;
  private received = 0;
  private committed = 0;
  private head = 0;
  /** The journal `received` and `committed` are positions in; undefined until the first connect. */
  private journalId: string | undefined;
  /** What its offsets are committed under (journalStart): the journal id, or a later key for it. */
  private offsetKey = "";

  constructor(private readonly d: FollowerDeps) {
    this.buffer = this.newBatch();
    this.inserts =
      d.inserts ??
      new InsertQueue((batches: Buffer[]) => d.store.insertPunches(batches), d.options.batchSize);
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
    return this.buffer.rows.rows + (this.storing?.batch.rows.rows ?? 0);
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
    try {
      const now = this.d.connect ? await this.d.connect(link.signal) : { journalId: "", head: 0 };
      // Another journal, or this one behind what is stored (restored from a backup): read it anew.
      if (now.journalId !== this.journalId || (this.d.connect && now.head < this.committed))
        await this.switchJournal(now.journalId, now.head, signal);
      const it = this.d.watch(this.received, link.signal, now.journalId)[Symbol.asyncIterator]();
      next = it.next();
      while (true) {
        const { rows } = this.buffer;
        const r =
          rows.rows === 0
            ? await next
            : await nextOrTimeout(next, rows.firstAt + this.d.options.flushMs - Date.now());
        if (r === TIMEOUT) {
          await this.handOff(signal);
          continue;
        }
        if (r.done) return;
        if (first) onData();
        first = false;
        this.accept(r.value);
        if (this.full()) await this.handOff(signal);
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
   * behind its committed offset (journalStart).
   */
  private async switchJournal(journalId: string, head: number, signal: AbortSignal): Promise<void> {
    await this.flush(signal); // what is held belongs to the journal read so far (normally nothing)
    const { placeId, store, log } = this.d;
    const start = await journalStart(store, { placeId, journalId, head, log }).catch((err: unknown) => {
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

  /**
   * Time to store the buffer: it holds batchSize, or a tenth of that while no insert runs or waits
   * (so ClickHouse starts as soon as punches come and is never idle while they do; while it is
   * busy, batches grow to batchSize, fewer and larger inserts).
   */
  private full(): boolean {
    const { rows } = this.buffer.rows;
    const { batchSize } = this.d.options;
    return rows >= batchSize || (rows >= batchSize / 10 && !this.storing && this.inserts.idle);
  }

  /**
   * Start storing the buffer and go on reading into a fresh one. Waits for the batch stored before
   * (the stream is not read meanwhile: backpressure), so there is one store at a time.
   */
  private async handOff(signal: AbortSignal): Promise<void> {
    await this.settle(signal);
    const batch = this.buffer;
    if (batch.rows.rows === 0) return;
    this.buffer = this.newBatch(this.spare);
    this.spare = undefined;
    const done = this.store(batch, signal).then(() => {
      this.spare = batch.rows;
    });
    done.catch(() => undefined); // seen by settle()
    this.storing = { batch, done };
  }

  /** Wait until the batch being stored is stored; one whose store was cut short is stored again. */
  private async settle(signal: AbortSignal): Promise<void> {
    const pending = this.storing;
    if (!pending) return;
    const stored = await pending.done.then(
      () => true,
      () => false, // only an abort ends a store early: try again under this signal
    );
    if (!stored) await this.store(pending.batch, signal);
    this.storing = undefined;
  }

  /** Store all that is held: the batch being stored, then the buffer. */
  private async flush(signal: AbortSignal): Promise<void> {
    await this.settle(signal);
    const batch = this.buffer;
    if (batch.rows.rows === 0) return;
    await this.store(batch, signal);
    this.buffer = this.newBatch(batch.rows);
  }

  /** Insert a batch, then commit its newest offset; retried (with backoff) until done or aborted. */
  private async store(batch: Batch, signal: AbortSignal): Promise<void> {
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
    await batch.spans.around(rows.rows, () =>
      retry(() => this.inserts.add(rows.bytes, rows.rows), { ...policy, onError: onError("insert") }),
    );
    const key = this.offsetKey;
    await retry(() => store.commitOffset(placeId, key, last, Math.max(this.head, last)), {
      ...policy,
      onError: onError("offset commit"),
    });
    this.committed = last;
    this.d.status.update(placeId, { committedOffset: last, lastError: "" });
    if (batch.live.length > 0) this.d.hub.publish(batch.live);
  }
}
