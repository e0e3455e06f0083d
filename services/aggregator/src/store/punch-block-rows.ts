import { tsvString } from "@biometricflow/clickhouse";
import type { Punch, PunchBlock } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";

// DateTime's range on ClickHouse 18.16: the years 1970 to 2105, as punchLine checks local_time.
const MAX_SECONDS = Date.UTC(2106, 0, 1) / 1000;

/** A column of strings sent concatenated, with each one's length in UTF-8 bytes. */
class JoinedStrings {
  private readonly start: Uint32Array;
  /** The text as UTF-8, only when it is not all ASCII (then characters are not bytes). */
  private readonly bytes: Buffer | undefined;

  constructor(
    private readonly text: string,
    lengths: readonly number[],
    what: string,
  ) {
    this.start = new Uint32Array(lengths.length + 1);
    for (let i = 0; i < lengths.length; i++) this.start[i + 1] = this.start[i]! + lengths[i]!;
    const total = this.start[lengths.length]!;
    if (total !== text.length) {
      this.bytes = Buffer.from(text);
      if (this.bytes.length !== total) throw new Error(`${what}: the lengths do not add up`);
    }
  }

  at(i: number): string {
    const from = this.start[i]!;
    const to = this.start[i + 1]!;
    return this.bytes ? this.bytes.toString("utf8", from, to) : this.text.slice(from, to);
  }
}

/**
 * The rows of a PunchBlock (WatchPunches with columnar): each punch's TabSeparated line
 * (PUNCH_COLUMNS order, the same bytes punchLine writes for the same punch, except that local_time
 * goes as Unix seconds), built from the columns without a Punch object. The block's repeated
 * strings are escaped once per block, not per punch. Punch objects are made only on
 * request, for live subscribers.
 */
export class PunchBlockRows {
  private readonly tsv: string[];
  private readonly dedupKeys: JoinedStrings;
  private readonly traceparents: JoinedStrings;
  /** The last trace id read, by its traceparent and tracestate index: pulled punches share one. */
  private last = { traceparent: "", tracestate: -1, id: "" };

  constructor(private readonly block: PunchBlock) {
    const n = block.count;
    for (const column of [
      block.placeIdIndex,
      block.deviceIdIndex,
      block.deviceSerialIndex,
      block.userIdIndex,
      block.localTimeSeconds,
      block.punchedAtMs,
      block.punchState,
      block.verifyMethod,
      block.receivedAtMs,
      block.dedupKeyLength,
      block.traceparentLength,
      block.tracestateIndex,
      block.source,
    ]) {
      if (column.length !== n)
        throw new Error(`punch block at ${block.firstOffset}: a column is not ${n} long`);
    }
    this.tsv = block.strings.map(tsvString);
    this.dedupKeys = new JoinedStrings(
      block.dedupKeys,
      block.dedupKeyLength,
      `punch block at ${block.firstOffset}: dedup keys`,
    );
    this.traceparents = new JoinedStrings(
      block.traceparents,
      block.traceparentLength,
      `punch block at ${block.firstOffset}: traceparents`,
    );
  }

  get count(): number {
    return this.block.count;
  }

  offset(i: number): number {
    return this.block.firstOffset + i;
  }

  /** The trace context of punch i. */
  trace(i: number): { traceparent: string; tracestate: string } {
    const b = this.block;
    return { traceparent: this.traceparents.at(i), tracestate: this.str(b.tracestateIndex[i]!) };
  }

  /** Punch i's TabSeparated row; throws for a punch ClickHouse could not store, as punchLine does. */
  line(i: number): string {
    const b = this.block;
    const local = b.localTimeSeconds[i]!;
    if (!(local >= 0 && local < MAX_SECONDS && Number.isInteger(local))) {
      const place = this.str(b.placeIdIndex[i]!);
      throw new Error(`punch ${place}#${this.offset(i)} has local_time ${local} (seconds): cannot store it`);
    }
    return (
      `${this.tsvAt(b.placeIdIndex[i]!)}\t${tsvString(this.dedupKeys.at(i))}\t${this.tsvAt(b.deviceIdIndex[i]!)}\t` +
      `${this.tsvAt(b.deviceSerialIndex[i]!)}\t${this.tsvAt(b.userIdIndex[i]!)}\t${this.seconds(i, b.punchedAtMs[i]!)}\t` +
      `${local}\t${b.punchState[i]}\t${b.verifyMethod[i]}\t${b.source[i]}\t` +
      `${this.seconds(i, b.receivedAtMs[i]!)}\t${this.offset(i)}\t${this.traceId(i)}\n`
    );
  }

  /** Punch i as a Punch message (for StreamPunches subscribers). */
  punch(i: number): Punch {
    const b = this.block;
    return {
      placeId: this.str(b.placeIdIndex[i]!),
      deviceId: this.str(b.deviceIdIndex[i]!),
      deviceSerial: this.str(b.deviceSerialIndex[i]!),
      userId: this.str(b.userIdIndex[i]!),
      localTime: new Date(b.localTimeSeconds[i]! * 1000).toISOString().slice(0, 19),
      punchedAt: new Date(b.punchedAtMs[i]!),
      punchState: b.punchState[i]!,
      verifyMethod: b.verifyMethod[i]!,
      receivedAt: new Date(b.receivedAtMs[i]!),
      dedupKey: this.dedupKeys.at(i),
      offset: this.offset(i),
      trace: this.trace(i),
      source: b.source[i]!,
    };
  }

  private str(index: number): string {
    const s = this.block.strings[index];
    if (s === undefined) throw new Error(`punch block at ${this.block.firstOffset}: no string ${index}`);
    return s;
  }

  private tsvAt(index: number): string {
    const s = this.tsv[index];
    if (s === undefined) throw new Error(`punch block at ${this.block.firstOffset}: no string ${index}`);
    return s;
  }

  private traceId(i: number): string {
    const traceparent = this.traceparents.at(i);
    const tracestate = this.block.tracestateIndex[i]!;
    const last = this.last;
    if (traceparent !== last.traceparent || tracestate !== last.tracestate) {
      const id = traceIdOf({ traceparent, tracestate: this.str(tracestate) });
      this.last = { traceparent, tracestate, id };
    }
    return this.last.id;
  }

  /** An instant in ms as Unix seconds, as punchLine writes it. */
  private seconds(i: number, ms: number): number {
    if (!Number.isFinite(ms)) throw new Error(`punch #${this.offset(i)} has an invalid instant`);
    return Math.max(0, Math.floor(ms / 1000));
  }
}
