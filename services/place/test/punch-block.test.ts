// A journal's punches as a PunchBlock: the columns SQLite aggregates (PunchTable.blockAfter) read
// back punch by punch equal the journal's rows, whatever the strings hold; consecutive offsets only.
import { join } from "node:path";
import { PunchSource } from "@biometricflow/proto";
import fc from "fast-check";
import { punchBlock, wallSeconds } from "../src/journal/punch-block.js";
import { Journal } from "../src/journal/journal.js";
import type { NewPunch } from "../src/punches/new-punch.js";
import { PACKED_F64, PACKED_U32, joinedAt, tempDir, unpackBlock } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let journal: Journal;
beforeEach(() => {
  tmp = tempDir();
  journal = Journal.open(join(tmp.dir, "journal.db"), "site ü");
});
afterEach(() => {
  journal.close();
  tmp.remove();
});

function punch(i: number, over: Partial<NewPunch> = {}): NewPunch {
  return {
    dedupKey: `key-${i}`,
    deviceId: `d${i % 2}`,
    deviceSerial: `SER-${i % 2}`,
    userId: `u${i % 3}`,
    localTime: `2024-05-0${1 + (i % 9)}T08:0${i % 10}:59`,
    punchedAtMs: 1714978800000 + i * 1001,
    punchState: i % 6,
    verifyMethod: 1 + (i % 15),
    receivedAtMs: 1714978805000 + i,
    source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    traceparent: i % 2 ? `00-${"ab".repeat(16)}-${"cd".repeat(8)}-01` : "",
    tracestate: i % 4 === 1 ? "k=v" : "",
    ...over,
  };
}

const store = (ps: NewPunch[]): void =>
  void journal.transaction(() => ps.forEach((p) => journal.punches.insertIfNew(p)));

/** The block read back punch by punch, in the journal's own row shape. */
function rowsOf(after: number, limit: number) {
  const columns = journal.punches.blockAfter(after, limit);
  if (!columns) return [];
  const b = punchBlock(columns);
  for (const column of [b.placeIdIndex, b.userIdIndex, b.dedupKeyLength, b.traceparentLength, b.source])
    expect(column).toHaveLength(b.count);
  return Array.from({ length: b.count }, (_, i) => ({
    offset: b.firstOffset + i,
    placeId: b.strings[b.placeIdIndex[i]!],
    dedupKey: joinedAt(b.dedupKeys, b.dedupKeyLength, i),
    deviceId: b.strings[b.deviceIdIndex[i]!],
    deviceSerial: b.strings[b.deviceSerialIndex[i]!],
    userId: b.strings[b.userIdIndex[i]!],
    localTime: Number.isNaN(b.localTimeSeconds[i])
      ? "NaN"
      : new Date(b.localTimeSeconds[i]! * 1000).toISOString().slice(0, 19),
    punchedAtMs: b.punchedAtMs[i],
    punchState: b.punchState[i],
    verifyMethod: b.verifyMethod[i],
    receivedAtMs: b.receivedAtMs[i],
    source: b.source[i],
    traceparent: joinedAt(b.traceparents, b.traceparentLength, i),
    tracestate: b.strings[b.tracestateIndex[i]!],
  }));
}

test("a block holds the journal's rows, strings of any characters included, from any offset", () => {
  const odd = ["tab\there", "ключ", "🙂 emoji", 'quote"\\', "nul\0", "\u001f sep", '["json"]'];
  store(
    Array.from({ length: 40 }, (_, i) =>
      punch(
        i,
        i < odd.length
          ? { userId: odd[i]!, dedupKey: `${odd[i]}-${i}`, deviceId: odd[(i + 1) % odd.length]! }
          : {},
      ),
    ),
  );
  for (const [after, limit] of [
    [0, 1000],
    [0, 7],
    [13, 5],
    [39, 10],
  ] as const) {
    const expected = journal.punches.after(after, limit);
    expect(rowsOf(after, limit)).toEqual(expected);
  }
  expect(journal.punches.blockAfter(40, 10)).toBeUndefined();
});

test("a wall clock that is not YYYY-MM-DDTHH:MM:SS goes as NaN; the others as SQLite's unixepoch reads them", () => {
  const times = ["2024-05-06T08:00:00", "2024-02-29T23:59:59", "1970-01-01T00:00:00", "2105-12-31T23:59:59"];
  const bad = ["2024-05-06 08:00:00", "2024-13-01T00:00:00", "2024-05-06T08:00", "２024-05-06T08:00:00", "ü"];
  store([...times, ...bad].map((localTime, i) => punch(i, { localTime })));
  const b = punchBlock(journal.punches.blockAfter(0, 100)!);
  const unixepoch = times.map((t) => journal.db.prepare("SELECT unixepoch(?)").pluck().get(t));
  expect(b.localTimeSeconds).toEqual([...unixepoch, ...bad.map(() => NaN)]);
  fc.assert(
    fc.property(
      fc.date({ min: new Date(0), max: new Date(Date.UTC(2105, 11, 31)), noInvalidDate: true }),
      (d) => {
        const text = d.toISOString().slice(0, 19);
        expect(wallSeconds(text, 1)).toEqual([Math.floor(d.getTime() / 1000)]);
      },
    ),
  );
});

test("punches after a gap in the offsets are left for the next block; a block starts after any gap", () => {
  store(Array.from({ length: 30 }, (_, i) => punch(i)));
  // No journal does this: it numbers punches 1, 2, 3...
  journal.db.prepare(`DELETE FROM punches WHERE "offset" = 4 OR "offset" BETWEEN 10 AND 25`).run();
  const offsets = (after: number, limit: number) => rowsOf(after, limit).map((r) => r.offset);
  expect(offsets(1, 100)).toEqual([2, 3]);
  expect(offsets(3, 100)).toEqual([5, 6, 7, 8, 9]);
  expect(offsets(9, 5)).toEqual([26, 27, 28, 29, 30]); // the gap is wider than the block
  expect(offsets(27, 5)).toEqual([28, 29, 30]);
  expect(offsets(30, 5)).toEqual([]);
});

test("packed: the same columns as little-endian arrays and the strings' bytes, the repeated fields empty", () => {
  store(Array.from({ length: 25 }, (_, i) => punch(i, i === 3 ? { dedupKey: "ключ 🙂", userId: "ü" } : {})));
  const plain = punchBlock(journal.punches.blockAfter(2, 20)!);
  const packed = punchBlock(journal.punches.blockAfter(2, 20)!, true);
  const p = packed.packed;
  const { block: unpacked, stringsAt: at } = unpackBlock(packed);
  const keyBytes = Buffer.byteLength(plain.dedupKeys);
  expect(p.subarray(at).toString()).toBe(plain.dedupKeys + plain.traceparents);
  expect(p.length).toBe(at + keyBytes + Buffer.byteLength(plain.traceparents));
  expect(unpacked).toEqual({ ...plain, packed: p });
  expect([...PACKED_F64, ...PACKED_U32].map((k) => packed[k])).toEqual(
    [...PACKED_F64, ...PACKED_U32].map(() => []),
  );
  expect([packed.dedupKeys, packed.traceparents, packed.strings]).toEqual(["", "", plain.strings]);
});
