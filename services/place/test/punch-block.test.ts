// punchBlock on raw journal rows: consecutive offsets only, strings once, lengths in bytes.
import { punchBlock } from "../src/grpc/punch-block.js";

const row = (offset: number, key: string, user: string, traceparent = "") => [
  offset,
  key,
  "site",
  "d1",
  "SER-1",
  user,
  1714982400 + offset,
  1714978800000 + offset,
  0,
  1,
  1714978805000 + offset,
  1,
  traceparent,
  "",
];

test("a gap in the offsets ends the block; the rows after it are left for the next one", () => {
  const b = punchBlock([row(5, "k5", "u"), row(6, "k6", "u"), row(8, "k8", "u")]);
  expect([b.firstOffset, b.count, b.dedupKeys, b.dedupKeyLength]).toEqual([5, 2, "k5k6", [2, 2]]);
  expect(b.punchState).toHaveLength(2);
});

test("repeated strings once; concatenated columns measured in UTF-8 bytes", () => {
  const b = punchBlock([row(1, "ключ", "ü"), row(2, "k2", "ü", "00-a-b-01"), row(3, "k3", "v")]);
  expect(b.count).toBe(3);
  expect(b.strings).toEqual(["site", "d1", "SER-1", "ü", "", "v"]);
  expect(b.userIdIndex).toEqual([3, 3, 5]);
  expect(b.dedupKeyLength).toEqual([8, 2, 2]);
  expect([b.traceparents, b.traceparentLength]).toEqual(["00-a-b-01", [0, 9, 0]]);
  expect(b.localTimeSeconds).toEqual([1714982401, 1714982402, 1714982403]);
});

test("an unreadable wall clock goes as NaN; no rows make an empty block", () => {
  const r = row(1, "k", "u");
  r[6] = null as unknown as number;
  expect(punchBlock([r]).localTimeSeconds).toEqual([NaN]);
  expect(punchBlock([]).count).toBe(0);
});
