import type { PunchBlock } from "@biometricflow/proto";
import type { RawPunchRow } from "../journal/punch-table.js";

/**
 * The leading rows with consecutive offsets as one PunchBlock (WatchPunches with columnar):
 * columns filled straight from the raw journal rows, repeated strings (place, device, user, trace
 * context) stored once per block. Rows after a gap in the offsets (there is none in a journal,
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
    traceparentIndex: [],
    tracestateIndex: [],
    source: [],
  };
  const keys: string[] = [];
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
    block.traceparentIndex.push(ref(r[12]));
    block.tracestateIndex.push(ref(r[13]));
  }
  block.dedupKeys = keys.join("");
  // Keys are hex digests: ASCII, so a key's length in characters is its length in bytes.
  const ascii = Buffer.byteLength(block.dedupKeys) === block.dedupKeys.length;
  block.dedupKeyLength = keys.map((k) => (ascii ? k.length : Buffer.byteLength(k)));
  return block;
}
