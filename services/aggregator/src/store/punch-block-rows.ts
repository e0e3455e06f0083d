import { endianness } from "node:os";
import type { Punch, PunchBlock } from "@biometricflow/proto";
import * as clickhouse from "@biometricflow/clickhouse";
import * as telemetry from "@biometricflow/telemetry";
import type { RowBinaryBatch } from "../ingest/row-binary-batch.js";
import { instantOf, localTimeOf, sourceOf } from "./punch-row.js";

// Taken out of the packages once: their re-exports are getters, a call each for every column of
// every row otherwise (a few per cent of a catch-up's CPU).
const { putBytes, putString, putStringBytes, putUInt32, putUInt64, putUInt8 } = clickhouse;
const { traceIdAt, traceIdOf } = telemetry;

/** A column of strings sent concatenated, with each one's length in UTF-8 bytes. */
class JoinedStrings {
  /** Where string i starts; a plain array (a typed one would be an off-heap buffer per block). */
  readonly start: number[];

  constructor(
    /** The strings as UTF-8. */
    readonly bytes: Buffer,
    lengths: ArrayLike<number>,
    what: string,
  ) {
    this.start = [0];
    for (let i = 0, at = 0; i < lengths.length; i++) this.start.push((at += lengths[i]!));
    if (bytes.length !== this.start[lengths.length]) throw new Error(`${what}: the lengths do not add up`);
  }

  at(i: number): string {
    return this.bytes.toString("utf8", this.start[i]!, this.start[i + 1]!);
  }
}

/** A block's number columns, from its repeated fields or from `packed`. */
interface Columns {
  localTimeSeconds: ArrayLike<number>;
  punchedAtMs: ArrayLike<number>;
  receivedAtMs: ArrayLike<number>;
  placeIdIndex: ArrayLike<number>;
  deviceIdIndex: ArrayLike<number>;
  deviceSerialIndex: ArrayLike<number>;
  userIdIndex: ArrayLike<number>;
  punchState: ArrayLike<number>;
  verifyMethod: ArrayLike<number>;
  dedupKeyLength: ArrayLike<number>;
  traceparentLength: ArrayLike<number>;
  tracestateIndex: ArrayLike<number>;
  source: ArrayLike<number>;
}

const LITTLE_ENDIAN = endianness() === "LE";

/** Ask places for PunchBlock.packed: it is read with typed arrays, so only on little-endian. */
export const READ_PACKED = LITTLE_ENDIAN;

/** The columns of a block, checked: each `count` long; packed ones as typed arrays over a copy. */
function columnsOf(b: PunchBlock): { columns: Columns; keys: Buffer; traceparents: Buffer } {
  const n = b.count;
  const at = `punch block at ${b.firstOffset}`;
  if (b.packed.length === 0) {
    const columns: Columns = {
      localTimeSeconds: b.localTimeSeconds,
      punchedAtMs: b.punchedAtMs,
      receivedAtMs: b.receivedAtMs,
      placeIdIndex: b.placeIdIndex,
      deviceIdIndex: b.deviceIdIndex,
      deviceSerialIndex: b.deviceSerialIndex,
      userIdIndex: b.userIdIndex,
      punchState: b.punchState,
      verifyMethod: b.verifyMethod,
      dedupKeyLength: b.dedupKeyLength,
      traceparentLength: b.traceparentLength,
      tracestateIndex: b.tracestateIndex,
      source: b.source,
    };
    for (const column of Object.values(columns) as ArrayLike<number>[]) {
      if (column.length !== n) throw new Error(`${at}: a column is not ${n} long`);
    }
    return { columns, keys: Buffer.from(b.dedupKeys), traceparents: Buffer.from(b.traceparents) };
  }
  if (!LITTLE_ENDIAN) throw new Error(`${at}: packed columns on a big-endian machine`);
  const fixed = n * (3 * 8 + 10 * 4);
  if (b.packed.length < fixed)
    throw new Error(`${at}: packed columns are ${b.packed.length} bytes, not ${fixed}+`);
  // Typed arrays need aligned memory: the decoded field usually has a buffer of its own (offset
  // 0); otherwise the number columns are copied out.
  let numbers = b.packed.buffer;
  let base = b.packed.byteOffset;
  if (base % 8 !== 0) {
    numbers = new ArrayBuffer(fixed);
    new Uint8Array(numbers).set(b.packed.subarray(0, fixed));
    base = 0;
  }
  const f64 = (k: number) => new Float64Array(numbers, base + k * 8 * n, n);
  const u32 = (k: number) => new Uint32Array(numbers, base + n * 24 + k * 4 * n, n);
  const columns: Columns = {
    localTimeSeconds: f64(0),
    punchedAtMs: f64(1),
    receivedAtMs: f64(2),
    placeIdIndex: u32(0),
    deviceIdIndex: u32(1),
    deviceSerialIndex: u32(2),
    userIdIndex: u32(3),
    punchState: u32(4),
    verifyMethod: u32(5),
    dedupKeyLength: u32(6),
    traceparentLength: u32(7),
    tracestateIndex: u32(8),
    source: u32(9),
  };
  let keyBytes = 0;
  for (let i = 0; i < n; i++) keyBytes += columns.dedupKeyLength[i]!;
  const keys = b.packed.subarray(fixed, fixed + keyBytes);
  return { columns, keys, traceparents: b.packed.subarray(fixed + keyBytes) };
}

/**
 * The rows of a PunchBlock (WatchPunches with columnar), written as RowBinary punches rows
 * (PUNCH_COLUMNS order, the same values writePunchRow writes for the same punch) straight from
 * the columns, with no Punch object and no string per punch: the block's repeated strings are
 * encoded once per block, dedup keys and trace ids copied as bytes from the block's concatenated
 * UTF-8. Punch objects are made only on request, for live subscribers.
 */
export class PunchBlockRows {
  /** The block's strings as RowBinary Strings, one after the other: string k is at [at[k], at[k + 1]). */
  private readonly encoded: Buffer;
  private readonly at: number[];
  /** The longest of them, in bytes. */
  private readonly longest: number;
  private readonly dedupKeys: JoinedStrings;
  private readonly traceparents: JoinedStrings;
  /** The last trace id read the slow way, by its traceparent and tracestate index. */
  private last = { traceparent: "", tracestate: -1, id: "" };

  private readonly c: Columns;

  constructor(private readonly block: PunchBlock) {
    const { columns, keys, traceparents } = columnsOf(block);
    this.c = columns;
    let room = 0;
    for (const s of block.strings) room += 5 + 3 * s.length;
    this.encoded = Buffer.allocUnsafe(room);
    this.at = [0];
    let longest = 0;
    for (const s of block.strings) {
      const from = this.at[this.at.length - 1]!;
      const to = putString(this.encoded, from, s);
      this.at.push(to);
      longest = Math.max(longest, to - from);
    }
    this.longest = longest;
    this.dedupKeys = new JoinedStrings(
      keys,
      columns.dedupKeyLength,
      `punch block at ${block.firstOffset}: dedup keys`,
    );
    this.traceparents = new JoinedStrings(
      traceparents,
      columns.traceparentLength,
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
    const b = this.c;
    return { traceparent: this.traceparents.at(i), tracestate: this.str(b.tracestateIndex[i]!) };
  }

  /**
   * Punch i's row, appended to `out`; throws, before writing anything, for a punch ClickHouse
   * could not store, as writePunchRow does.
   */
  write(i: number, out: RowBinaryBatch): void {
    const b = this.c;
    const offset = this.offset(i);
    const place = this.enc(b.placeIdIndex[i]!);
    const device = this.enc(b.deviceIdIndex[i]!);
    const serial = this.enc(b.deviceSerialIndex[i]!);
    const user = this.enc(b.userIdIndex[i]!);
    const seconds = b.localTimeSeconds[i]!;
    const local = localTimeOf(seconds, seconds, this.placeName(i), offset);
    const punched = instantOf(b.punchedAtMs[i]!, "punched_at", this.placeName(i), offset);
    const received = instantOf(b.receivedAtMs[i]!, "received_at", this.placeName(i), offset);
    const source = sourceOf(b.source[i]!, this.placeName(i), offset);
    const keys = this.dedupKeys;
    const keyFrom = keys.start[i]!;
    const keyTo = keys.start[i + 1]!;
    const tps = this.traceparents;
    const traceAt = traceIdAt(tps.bytes, tps.start[i]!, tps.start[i + 1]!);
    const traceId = traceAt < 0 ? this.slowTraceId(i) : "";

    const buf = out.reserve(
      4 * this.longest + 5 + keyTo - keyFrom + 4 * 5 + 1 + 8 + 5 + 3 * traceId.length + 33,
    );
    let pos = out.length;
    const enc = this.encoded;
    const at = this.at;
    pos = putBytes(buf, pos, enc, at[place]!, at[place + 1]!);
    pos = putStringBytes(buf, pos, keys.bytes, keyFrom, keyTo);
    pos = putBytes(buf, pos, enc, at[device]!, at[device + 1]!);
    pos = putBytes(buf, pos, enc, at[serial]!, at[serial + 1]!);
    pos = putBytes(buf, pos, enc, at[user]!, at[user + 1]!);
    pos = putUInt32(buf, pos, punched);
    pos = putUInt32(buf, pos, local);
    pos = putUInt32(buf, pos, b.punchState[i]!);
    pos = putUInt32(buf, pos, b.verifyMethod[i]!);
    pos = putUInt8(buf, pos, source);
    pos = putUInt32(buf, pos, received);
    pos = putUInt64(buf, pos, offset);
    pos =
      traceAt < 0 ? putString(buf, pos, traceId) : putStringBytes(buf, pos, tps.bytes, traceAt, traceAt + 32);
    out.endRow(pos, offset);
  }

  /** Punch i as a Punch message (for StreamPunches subscribers). */
  punch(i: number): Punch {
    const b = this.c;
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

  private placeName(i: number): string {
    return this.block.strings[this.c.placeIdIndex[i]!] ?? "?";
  }

  private str(index: number): string {
    const s = this.block.strings[index];
    if (s === undefined) throw new Error(`punch block at ${this.block.firstOffset}: no string ${index}`);
    return s;
  }

  /** Index of a string of the block, checked. */
  private enc(index: number): number {
    if (index < this.at.length - 1) return index;
    throw new Error(`punch block at ${this.block.firstOffset}: no string ${index}`);
  }

  /** The trace id of a traceparent not in the usual form (or none): as traceIdOf reads it. */
  private slowTraceId(i: number): string {
    const traceparent = this.traceparents.at(i);
    const tracestate = this.c.tracestateIndex[i]!;
    const last = this.last;
    if (traceparent !== last.traceparent || tracestate !== last.tracestate) {
      const id = traceIdOf({ traceparent, tracestate: this.str(tracestate) });
      this.last = { traceparent, tracestate, id };
    }
    return this.last.id;
  }
}
