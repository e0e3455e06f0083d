import { endianness } from "node:os";
import type { PunchBlock } from "@biometricflow/proto";
import type { JournalBlock } from "./punch-table.js";

/** PunchBlock.packed is little-endian: typed arrays write it only on such a machine. */
const LITTLE_ENDIAN = endianness() === "LE";

/**
 * A journal block (PunchTable.blockAfter) as a PunchBlock (WatchPunches with columnar): the
 * columns SQLite built are parsed once each; the repeated strings (place, device, serial,
 * tracestate, user) are stored once per block and the local times read into wall-clock seconds,
 * with no JavaScript string per punch except each user id. With `packed` the columns go as
 * little-endian arrays in `packed` (typed arrays filled whole, no protobuf encoding per value).
 */
export function punchBlock(j: JournalBlock, packed = false): PunchBlock {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  const { count } = j;
  const dedupKeyLength = JSON.parse(j.dedupKeyBytes) as number[];
  const traceparentLength = JSON.parse(j.traceparentBytes) as number[];
  const keyBytes = sum(dedupKeyLength);
  const traceBytes = sum(traceparentLength);
  const pack = packed && LITTLE_ENDIAN;
  // The packed layout (see PunchBlock.packed), or plain arrays for the repeated fields.
  const bytes = pack ? Buffer.alloc(count * (3 * 8 + 10 * 4) + keyBytes + traceBytes) : undefined;
  const f64 = (k: number): Float64Array | number[] =>
    bytes ? new Float64Array(bytes.buffer, bytes.byteOffset + k * 8 * count, count) : [];
  const u32 = (k: number): Uint32Array | number[] =>
    bytes ? new Uint32Array(bytes.buffer, bytes.byteOffset + count * 24 + k * 4 * count, count) : [];
  const column = (into: Float64Array | Uint32Array | number[], values: number[]): number[] => {
    if (Array.isArray(into)) return values;
    into.set(values);
    return [];
  };
  if (bytes && bytes.byteOffset % 8 !== 0) throw new Error("packed columns: unaligned buffer");
  const localTimeSeconds = column(f64(0), wallSeconds(j.localTimes, count));
  const punchedAtMs = column(f64(1), JSON.parse(j.punchedAtMs) as number[]);
  const receivedAtMs = column(f64(2), JSON.parse(j.receivedAtMs) as number[]);
  const placeIdIndex = u32(0);
  const deviceIdIndex = u32(1);
  const deviceSerialIndex = u32(2);
  const userIdIndex = u32(3);
  const tracestateIndex = u32(8);
  // place, device, serial and tracestate repeat together: one lookup per punch for the four.
  const devices = JSON.parse(j.devices) as string[];
  const seen = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const key = devices[i]!;
    let refs = seen.get(key);
    if (refs === undefined) {
      refs = (JSON.parse(key) as string[]).map(ref);
      seen.set(key, refs);
    }
    placeIdIndex[i] = refs[0]!;
    deviceIdIndex[i] = refs[1]!;
    deviceSerialIndex[i] = refs[2]!;
    tracestateIndex[i] = refs[3]!;
  }
  const users = JSON.parse(j.userIds) as string[];
  for (let i = 0; i < count; i++) userIdIndex[i] = ref(users[i]!);
  const punchState = column(u32(4), JSON.parse(j.punchState) as number[]);
  const verifyMethod = column(u32(5), JSON.parse(j.verifyMethod) as number[]);
  const source = column(u32(9), JSON.parse(j.source) as number[]);
  if (bytes) {
    column(u32(6), dedupKeyLength);
    column(u32(7), traceparentLength);
    const at = count * 64;
    if (
      bytes.write(j.dedupKeys, at) !== keyBytes ||
      bytes.write(j.traceparents, at + keyBytes) !== traceBytes
    )
      throw new Error(`punch block at ${j.firstOffset}: the string lengths do not add up`);
  }
  const plain = (a: Uint32Array | number[]): number[] => (Array.isArray(a) ? a : []);
  return {
    firstOffset: j.firstOffset,
    count,
    strings,
    placeIdIndex: plain(placeIdIndex),
    deviceIdIndex: plain(deviceIdIndex),
    deviceSerialIndex: plain(deviceSerialIndex),
    userIdIndex: plain(userIdIndex),
    localTimeSeconds,
    punchedAtMs,
    punchState,
    verifyMethod,
    receivedAtMs,
    dedupKeys: bytes ? "" : j.dedupKeys,
    dedupKeyLength: bytes ? [] : dedupKeyLength,
    traceparents: bytes ? "" : j.traceparents,
    traceparentLength: bytes ? [] : traceparentLength,
    tracestateIndex: plain(tracestateIndex),
    source,
    packed: bytes ?? Buffer.alloc(0),
  };
}

function sum(values: number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

const digit = (text: string, at: number): number => {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};

/**
 * Each 19-character "YYYY-MM-DDTHH:MM:SS" of `text` as Unix seconds reading the wall clock as UTC
 * (what SQLite's unixepoch gives: 2024-05-06T08:00:00 is 1714982400), NaN for any other text.
 */
export function wallSeconds(text: string, count: number): number[] {
  const out: number[] = [];
  for (let i = 0, p = 0; i < count; i++, p += 19) {
    const y = digit(text, p) * 1000 + digit(text, p + 1) * 100 + digit(text, p + 2) * 10 + digit(text, p + 3);
    const m = digit(text, p + 5) * 10 + digit(text, p + 6);
    const d = digit(text, p + 8) * 10 + digit(text, p + 9);
    const hh = digit(text, p + 11) * 10 + digit(text, p + 12);
    const mm = digit(text, p + 14) * 10 + digit(text, p + 15);
    const ss = digit(text, p + 17) * 10 + digit(text, p + 18);
    const ok =
      text.charCodeAt(p + 4) === 45 && // -
      text.charCodeAt(p + 7) === 45 &&
      text.charCodeAt(p + 10) === 84 && // T
      text.charCodeAt(p + 13) === 58 && // :
      text.charCodeAt(p + 16) === 58 &&
      m >= 1 &&
      m <= 12 &&
      d >= 1 &&
      d <= 31 &&
      hh <= 23 &&
      mm <= 59 &&
      ss <= 59;
    out.push(ok ? daysFromCivil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss : NaN);
  }
  return out;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
