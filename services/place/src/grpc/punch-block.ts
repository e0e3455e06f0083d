import type { PunchBlock } from "@biometricflow/proto";
import type { RawPunchRow } from "../journal/punch-table.js";

/**
 * The leading rows with consecutive offsets as one PunchBlock (WatchPunches with columnar):
 * columns filled straight from the raw journal rows, repeated strings (place, device, user,
 * tracestate) stored once per block, the others (dedup key, traceparent) concatenated. Rows after a gap in the offsets (there is none in a journal,
 * which numbers punches 1, 2, 3...) are left for the next block.
 */
export function punchBlock(rows: readonly RawPunchRow[]): PunchBlock {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const ref = (value: unknown): number => {
    const s = value as string;
    let i = index.get(s);
    if (i === undefined) {
      i = strings.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  const block: PunchBlock = {
    firstOffset: rows.length === 0 ? 0 : (rows[0]![0] as number),
    count: 0,
    strings,
    placeIdIndex: [],
    deviceIdIndex: [],
    deviceSerialIndex: [],
    userIdIndex: [],
    localTimeSeconds: [],
    punchedAtMs: [],
    punchState: [],
    verifyMethod: [],
    receivedAtMs: [],
    dedupKeys: "",
    dedupKeyLength: [],
    traceparents: "",
    traceparentLength: [],
    tracestateIndex: [],
    source: [],
  };
  const keys: string[] = [];
  const traceparents: string[] = [];
  for (const r of rows) {
    if (r[0] !== block.firstOffset + block.count) break;
    block.count++;
    keys.push(r[1] as string);
    block.placeIdIndex.push(ref(r[2]));
    block.deviceIdIndex.push(ref(r[3]));
    block.deviceSerialIndex.push(ref(r[4]));
    block.userIdIndex.push(ref(r[5]));
    block.localTimeSeconds.push((r[6] as number | null) ?? NaN);
    block.punchedAtMs.push(r[7] as number);
    block.punchState.push(r[8] as number);
    block.verifyMethod.push(r[9] as number);
    block.receivedAtMs.push(r[10] as number);
    block.source.push(r[11] as number);
    traceparents.push(r[12] as string);
    block.tracestateIndex.push(ref(r[13]));
  }
  [block.dedupKeys, block.dedupKeyLength] = joined(keys);
  [block.traceparents, block.traceparentLength] = joined(traceparents);
  return block;
}

/** Strings as one, with each one's length in UTF-8 bytes. */
function joined(values: string[]): [string, number[]] {
  const text = values.join("");
  // Usually ASCII (hex digests, W3C traceparents): then characters are bytes.
  const ascii = Buffer.byteLength(text) === text.length;
  return [text, values.map((v) => (ascii ? v.length : Buffer.byteLength(v)))];
}
