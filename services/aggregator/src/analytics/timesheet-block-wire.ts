import { putVarUInt } from "@biometricflow/clickhouse";
import { ExportTimesheetsResponse, type TimesheetBlock } from "@biometricflow/proto";

type PerRow = Exclude<
  keyof TimesheetBlock,
  "placeId" | "dates" | "dayTypes" | "userIds" | "userNames" | "deviceIds"
>;

/**
 * A TimesheetBlock as the aggregator builds it: the per-row columns in typed arrays (written in
 * place, nothing for the collector to trace), the rest as in the message.
 */
export type TimesheetColumns = Omit<TimesheetBlock, PerRow> & {
  [K in PerRow]: K extends "firstIn" | "lastOut" ? Int32Array : Uint32Array;
};

/** ExportTimesheets' response as the handler yields it. */
export interface ExportTimesheetsColumns {
  block: TimesheetColumns;
}

// TimesheetBlock's per-row fields (analytics.proto), in field-number order.
const PER_ROW: readonly { field: number; key: PerRow; zigzag: boolean }[] = [
  { field: 7, key: "dateIndex", zigzag: false },
  { field: 8, key: "userIndex", zigzag: false },
  { field: 9, key: "status", zigzag: false },
  { field: 10, key: "punches", zigzag: false },
  { field: 11, key: "firstIn", zigzag: true },
  { field: 12, key: "firstInDevice", zigzag: false },
  { field: 13, key: "lastOut", zigzag: true },
  { field: 14, key: "lastOutDevice", zigzag: false },
  { field: 15, key: "workedMinutes", zigzag: false },
  { field: 16, key: "lateMinutes", zigzag: false },
  { field: 17, key: "earlyLeaveMinutes", zigzag: false },
  { field: 18, key: "overtimeMinutes", zigzag: false },
];

const LENGTH_DELIMITED = 2;
const BLOCK_FIELD = 2; // ExportTimesheetsResponse.block

const varintSize = (v: number): number =>
  v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
const zigzag = (v: number): number => ((v << 1) ^ (v >> 31)) >>> 0;

// Protobuf varints are LEB128, as ClickHouse string lengths (putVarUInt).

function varintBytes(values: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) n += varintSize(values[i]!);
  return n;
}

function zigzagBytes(values: Int32Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) n += varintSize(zigzag(values[i]!));
  return n;
}

// Each loop sees one array type (Uint32Array or Int32Array) and writes its varints inline, with the
// position in a local: calling putVarUInt per number took twice as long (58 against 25 ms for a
// month of 1,000 people, 10 blocks), and a month of a large place is millions of numbers.

function writeVarints(out: Buffer, at: number, values: Uint32Array): number {
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  }
  return at;
}

function writeZigzags(out: Buffer, at: number, values: Int32Array): number {
  for (let i = 0; i < values.length; i++) {
    let v = zigzag(values[i]!);
    while (v >= 0x80) {
      out[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    out[at++] = v;
  }
  return at;
}

/**
 * The bytes of ExportTimesheetsResponse { block } exactly as the generated encoder writes them
 * (a test holds the two byte for byte). Written here because a month of a large place is millions
 * of packed numbers, and the generated writer's checks per number cost more than the rest of the
 * request; this one sizes the message first and writes each number with no check or growth.
 */
export function encodeTimesheetColumns(b: TimesheetColumns): Uint8Array {
  const strings: { field: number; text: string; bytes: number }[] = [];
  const addString = (field: number, text: string): void => {
    strings.push({ field, text, bytes: Buffer.byteLength(text) });
  };
  if (b.placeId !== "") addString(1, b.placeId);
  for (const d of b.dates) addString(2, d);
  const stringsBefore = strings.length; // day_types (3) come between dates and user_ids
  for (const u of b.userIds) addString(4, u);
  for (const n of b.userNames) addString(5, n);
  for (const d of b.deviceIds) addString(6, d);

  const fieldSize = (field: number, bytes: number): number =>
    varintSize((field << 3) | LENGTH_DELIMITED) + varintSize(bytes) + bytes;
  const packedBytes = (values: Uint32Array | Int32Array, zz: boolean): number =>
    zz ? zigzagBytes(values as Int32Array) : varintBytes(values as Uint32Array);
  // Enums are int32 on the wire: a negative one would take 10 bytes, and none is negative here.
  for (const t of b.dayTypes) if (!(t >= 0 && t < 2 ** 31)) throw new Error(`timesheet block: day type ${t}`);
  for (const t of b.status) if (t >= 2 ** 31) throw new Error(`timesheet block: status ${t}`);
  const dayTypes = Uint32Array.from(b.dayTypes);
  const dayTypeBytes = varintBytes(dayTypes);
  const perRowBytes = PER_ROW.map((c) => packedBytes(b[c.key], c.zigzag));

  let size = 0;
  for (const s of strings) size += fieldSize(s.field, s.bytes);
  if (b.dayTypes.length) size += fieldSize(3, dayTypeBytes);
  PER_ROW.forEach((c, i) => {
    if (b[c.key].length) size += fieldSize(c.field, perRowBytes[i]!);
  });

  const out = Buffer.allocUnsafe(fieldSize(BLOCK_FIELD, size));
  let at = 0;
  const header = (field: number, bytes: number): void => {
    at = putVarUInt(out, at, (field << 3) | LENGTH_DELIMITED);
    at = putVarUInt(out, at, bytes);
  };
  const writeString = (s: { field: number; text: string; bytes: number }): void => {
    header(s.field, s.bytes);
    at += out.write(s.text, at, "utf8");
  };
  const packed = (field: number, bytes: number, values: Uint32Array | Int32Array, zz: boolean): void => {
    if (values.length === 0) return;
    header(field, bytes);
    at = zz ? writeZigzags(out, at, values as Int32Array) : writeVarints(out, at, values as Uint32Array);
  };

  header(BLOCK_FIELD, size);
  strings.slice(0, stringsBefore).forEach(writeString);
  packed(3, dayTypeBytes, dayTypes, false);
  strings.slice(stringsBefore).forEach(writeString);
  PER_ROW.forEach((c, i) => packed(c.field, perRowBytes[i]!, b[c.key], c.zigzag));
  if (at !== out.length) throw new Error(`timesheet block: wrote ${at} bytes of ${out.length}`);
  return out;
}

/** The same block as the generated message type (plain arrays). */
export function timesheetBlockOf(b: TimesheetColumns): TimesheetBlock {
  const out = { ...b } as unknown as TimesheetBlock;
  for (const c of PER_ROW) out[c.key] = Array.from(b[c.key]);
  return out;
}

/** A block from the generated message type back to columns. */
export function timesheetColumnsOf(b: TimesheetBlock): TimesheetColumns {
  const out = { ...b } as unknown as Record<PerRow, Int32Array | Uint32Array>;
  for (const c of PER_ROW) out[c.key] = c.zigzag ? Int32Array.from(b[c.key]) : Uint32Array.from(b[c.key]);
  return out as unknown as TimesheetColumns;
}

/**
 * ExportTimesheetsResponse's message type as the server uses it: the handler yields
 * ExportTimesheetsColumns and they are encoded by encodeTimesheetColumns; nothing to copy first
 * (nice-grpc would pass each response through fromPartial, element by element).
 */
export const exportTimesheetsColumnsType = {
  encode: (m: ExportTimesheetsColumns) => ({ finish: () => encodeTimesheetColumns(m.block) }),
  decode: (bytes: Uint8Array): ExportTimesheetsColumns => {
    const { block } = ExportTimesheetsResponse.decode(bytes);
    if (!block) throw new Error("an ExportTimesheets response without a block");
    return { block: timesheetColumnsOf(block) };
  },
  fromPartial: undefined,
};
