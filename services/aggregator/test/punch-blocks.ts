// Punch messages as the PunchBlock a place sends for WatchPunches with columnar: what the fake
// place and the in-process journal streams send, so the follower reads blocks in tests.
import { PunchBlock, type Punch } from "@biometricflow/proto";

const wall = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** Punches with consecutive offsets as one block (as the place builds it from its journal). */
export function punchBlockOf(punches: readonly Punch[]): PunchBlock {
  const strings: string[] = [];
  const ref = (s: string): number => {
    const i = strings.indexOf(s);
    return i >= 0 ? i : strings.push(s) - 1;
  };
  punches.forEach((p, i) => {
    if (p.offset !== punches[0]!.offset + i) throw new Error("a block needs consecutive offsets");
  });
  return {
    firstOffset: punches[0]?.offset ?? 0,
    count: punches.length,
    strings,
    placeIdIndex: punches.map((p) => ref(p.placeId)),
    deviceIdIndex: punches.map((p) => ref(p.deviceId)),
    deviceSerialIndex: punches.map((p) => ref(p.deviceSerial)),
    userIdIndex: punches.map((p) => ref(p.userId)),
    localTimeSeconds: punches.map((p) =>
      wall.test(p.localTime) ? Date.parse(`${p.localTime}Z`) / 1000 : NaN,
    ),
    punchedAtMs: punches.map((p) => p.punchedAt?.getTime() ?? 0),
    punchState: punches.map((p) => p.punchState),
    verifyMethod: punches.map((p) => p.verifyMethod),
    receivedAtMs: punches.map((p) => p.receivedAt?.getTime() ?? 0),
    dedupKeys: punches.map((p) => p.dedupKey).join(""),
    dedupKeyLength: punches.map((p) => Buffer.byteLength(p.dedupKey)),
    traceparents: punches.map((p) => p.trace?.traceparent ?? "").join(""),
    traceparentLength: punches.map((p) => Buffer.byteLength(p.trace?.traceparent ?? "")),
    tracestateIndex: punches.map((p) => ref(p.trace?.tracestate ?? "")),
    source: punches.map((p) => p.source),
    packed: Buffer.alloc(0),
  };
}

/**
 * The same block with its columns in `packed` (WatchPunches with packed, as PunchBlock.packed
 * documents the layout): float64 then uint32 columns, little-endian, then the strings' bytes.
 */
export function packedBlockOf(punches: readonly Punch[]): PunchBlock {
  const b = punchBlockOf(punches);
  const n = b.count;
  const f64 = [b.localTimeSeconds, b.punchedAtMs, b.receivedAtMs];
  const u32 = [
    b.placeIdIndex,
    b.deviceIdIndex,
    b.deviceSerialIndex,
    b.userIdIndex,
    b.punchState,
    b.verifyMethod,
    b.dedupKeyLength,
    b.traceparentLength,
    b.tracestateIndex,
    b.source,
  ];
  const numbers = Buffer.alloc(n * (8 * f64.length + 4 * u32.length));
  let at = 0;
  for (const column of f64) for (const v of column) at = numbers.writeDoubleLE(v, at);
  for (const column of u32) for (const v of column) at = numbers.writeUInt32LE(v, at);
  const packed = Buffer.concat([numbers, Buffer.from(b.dedupKeys), Buffer.from(b.traceparents)]);
  // Only the fields a packed block sends; the repeated ones stay empty.
  return PunchBlock.fromPartial({ firstOffset: b.firstOffset, count: b.count, strings: b.strings, packed });
}
