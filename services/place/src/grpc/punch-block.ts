import type { PunchBlock } from "@biometricflow/proto";
import type { JournalBlock } from "../journal/punch-table.js";

/**
 * A journal block (PunchTable.blockAfter) as a PunchBlock (WatchPunches with columnar): the
 * columns SQLite built are parsed once each; the repeated strings (place, device, serial,
 * tracestate, user) are stored once per block and the local times read into wall-clock seconds,
 * with no JavaScript string per punch except each user id.
 */
export function punchBlock(j: JournalBlock): PunchBlock {
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
  const placeIdIndex: number[] = [];
  const deviceIdIndex: number[] = [];
  const deviceSerialIndex: number[] = [];
  const tracestateIndex: number[] = [];
  // place, device, serial and tracestate repeat together: one lookup per punch for the four.
  const devices = JSON.parse(j.devices) as string[];
  const seen = new Map<string, number[]>();
  for (const key of devices) {
    let refs = seen.get(key);
    if (refs === undefined) {
      refs = (JSON.parse(key) as string[]).map(ref);
      seen.set(key, refs);
    }
    placeIdIndex.push(refs[0]!);
    deviceIdIndex.push(refs[1]!);
    deviceSerialIndex.push(refs[2]!);
    tracestateIndex.push(refs[3]!);
  }
  const userIdIndex = (JSON.parse(j.userIds) as string[]).map(ref);
  return {
    firstOffset: j.firstOffset,
    count,
    strings,
    placeIdIndex,
    deviceIdIndex,
    deviceSerialIndex,
    userIdIndex,
    localTimeSeconds: wallSeconds(j.localTimes, count),
    punchedAtMs: JSON.parse(j.punchedAtMs) as number[],
    punchState: JSON.parse(j.punchState) as number[],
    verifyMethod: JSON.parse(j.verifyMethod) as number[],
    receivedAtMs: JSON.parse(j.receivedAtMs) as number[],
    dedupKeys: j.dedupKeys,
    dedupKeyLength: JSON.parse(j.dedupKeyBytes) as number[],
    traceparents: j.traceparents,
    traceparentLength: JSON.parse(j.traceparentBytes) as number[],
    tracestateIndex,
    source: JSON.parse(j.source) as number[],
  };
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
