import { tsvString } from "@biometricflow/clickhouse";
import type { Punch, PunchBlock } from "@biometricflow/proto";
import { traceIdOf } from "@biometricflow/telemetry";

// DateTime's range on ClickHouse 18.16: the years 1970 to 2105, as punchLine checks local_time.
const MAX_SECONDS = Date.UTC(2106, 0, 1) / 1000;

/**
 * The rows of a PunchBlock (WatchPunches with columnar): each punch's TabSeparated line
 * (PUNCH_COLUMNS order, the same bytes punchLine writes for the same punch, except that local_time
 * goes as Unix seconds), built from the columns without a Punch object. The block's strings are
 * escaped and its trace ids read once per block, not per punch. Punch objects are made only on
 * request, for live subscribers.
 */
export class PunchBlockRows {
  private readonly tsv: string[];
  private readonly traceIds = new Map<number, string>();
  /** Where each dedup key starts in block.dedupKeys (in bytes, and characters when all ASCII). */
  private readonly keyStart: Uint32Array;
  /** block.dedupKeys as UTF-8, when some key is not ASCII (then characters are not bytes). */
  private readonly keyBytes: Buffer | undefined;

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
      block.traceparentIndex,
      block.tracestateIndex,
      block.source,
    ]) {
      if (column.length !== n)
        throw new Error(`punch block at ${block.firstOffset}: a column is not ${n} long`);
    }
    this.tsv = block.strings.map(tsvString);
    this.keyStart = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) this.keyStart[i + 1] = this.keyStart[i]! + block.dedupKeyLength[i]!;
    const bytes = this.keyStart[n]!;
    if (bytes !== block.dedupKeys.length) {
      this.keyBytes = Buffer.from(block.dedupKeys);
      if (this.keyBytes.length !== bytes)
        throw new Error(`punch block at ${block.firstOffset}: dedup keys do not add up`);
    }
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
    return { traceparent: this.str(b.traceparentIndex[i]!), tracestate: this.str(b.tracestateIndex[i]!) };
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
      `${this.tsvAt(b.placeIdIndex[i]!)}\t${tsvString(this.dedupKey(i))}\t${this.tsvAt(b.deviceIdIndex[i]!)}\t` +
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
      dedupKey: this.dedupKey(i),
      offset: this.offset(i),
      trace: this.trace(i),
      source: b.source[i]!,
    };
  }

  private dedupKey(i: number): string {
    const from = this.keyStart[i]!;
    const to = this.keyStart[i + 1]!;
    return this.keyBytes ? this.keyBytes.toString("utf8", from, to) : this.block.dedupKeys.slice(from, to);
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
    const b = this.block;
    const p = b.traceparentIndex[i]!;
    const s = b.tracestateIndex[i]!;
    const key = p * b.strings.length + s;
    let id = this.traceIds.get(key);
    if (id === undefined)
      this.traceIds.set(key, (id = traceIdOf({ traceparent: this.str(p), tracestate: this.str(s) })));
    return id;
  }

  /** An instant in ms as Unix seconds, as punchLine writes it. */
  private seconds(i: number, ms: number): number {
    if (!Number.isFinite(ms)) throw new Error(`punch #${this.offset(i)} has an invalid instant`);
    return Math.max(0, Math.floor(ms / 1000));
  }
}
