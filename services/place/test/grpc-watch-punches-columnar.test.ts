// WatchPunches with columnar: the same punches as the classic Punch messages, in order, from any
// offset, in replay and live tail, as PunchBlocks over a real gRPC socket.
import { PunchSource, type CapturedPunch, type Punch, type WatchPunchesResponse } from "@biometricflow/proto";
import { blockPunches, punches, startTestPlace, take, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeEach(async () => (t = await startTestPlace()));
afterEach(() => t.close());

function messagePunches(m: WatchPunchesResponse, columnar: boolean): Punch[] {
  if (!columnar) {
    expect(m.block).toBeUndefined();
    return m.punches;
  }
  expect(m.punches).toEqual([]);
  return blockPunches(m.block!);
}

/** Every punch the stream sends up to offset `last`, in order. */
async function readUntil(from: number, last: number, columnar: boolean, maxBatch = 4): Promise<Punch[]> {
  const got: Punch[] = [];
  if (last <= from) return got;
  for await (const m of t.api.watchPunches({ fromOffset: from, maxBatch, columnar })) {
    got.push(...messagePunches(m, columnar));
    if (got.at(-1)!.offset >= last) break;
  }
  return got;
}

const trace = (i: number) =>
  i % 3 === 0
    ? undefined
    : {
        traceparent: `00-${String(i % 2).repeat(31)}a-00f067aa0ba902b7-01`,
        tracestate: i % 2 ? "vendor=x" : "",
      };

/** Punches of both devices with awkward users, traces and sources. */
async function store(n: number, start: string): Promise<void> {
  const all = punches(n, { start }).map((p, i): CapturedPunch => ({
    ...p,
    userId: ["u1", "o'brien \\x", "ünï 漢字", `u${i}`][i % 4]!,
    punchState: i % 6,
    verifyMethod: i % 2 ? 15 : 1,
    source: i % 2 ? PunchSource.PUNCH_SOURCE_DEVICE_LIVE : PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    trace: trace(i),
  }));
  const half = Math.ceil(n / 2);
  await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: all.slice(0, half) });
  await t.link.ingestPunches({ deviceId: "d2", deviceSerial: "SER-2", punches: all.slice(half) });
}

test("replay from every offset: the same punches as the classic messages, in order", async () => {
  await store(23, "2024-05-06T08:00:00");
  const classic = await readUntil(0, 23, false);
  expect(classic.map((p) => p.offset)).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  for (let from = 0; from < 23; from++) {
    expect(await readUntil(from, 23, true)).toEqual(classic.slice(from));
  }
});

test("resume mid-batch: the first block starts right after from_offset, batches as asked", async () => {
  await store(10, "2024-05-06T08:00:00");
  const blocks = (await take(t.api.watchPunches({ fromOffset: 6, maxBatch: 3, columnar: true }), 2)).map(
    (m) => m.block!,
  );
  expect(blocks.map((b) => [b.firstOffset, b.count])).toEqual([
    [7, 3],
    [10, 1],
  ]);
  expect(
    (await take(t.api.watchPunches({ fromOffset: 6, maxBatch: 3, columnar: true }), 1))[0]!.headOffset,
  ).toBe(10);
});

test("repeated strings are sent once per block", async () => {
  await store(40, "2024-05-06T08:00:00");
  const [m] = await take(t.api.watchPunches({ fromOffset: 0, maxBatch: 40, columnar: true }), 1);
  const b = m!.block!;
  expect(b.count).toBe(40);
  expect(new Set(b.strings).size).toBe(b.strings.length);
  expect(b.strings.length).toBeLessThan(40); // 10 distinct users, 2 devices, 1 place, 2 traces...
});

test("an empty journal: nothing until a punch is stored, then the live tail block by block", async () => {
  const columnar = t.api.watchPunches({ fromOffset: 0, columnar: true })[Symbol.asyncIterator]();
  const classic = t.api.watchPunches({ fromOffset: 0 })[Symbol.asyncIterator]();
  const firstColumnar = columnar.next();
  const firstClassic = classic.next();
  await store(1, "2024-05-06T07:00:00");
  const got = { columnar: [] as Punch[], classic: [] as Punch[] };
  got.columnar.push(...messagePunches((await firstColumnar).value as WatchPunchesResponse, true));
  got.classic.push(...messagePunches((await firstClassic).value as WatchPunchesResponse, false));
  // Then the tail: each commit arrives as it is stored.
  for (let round = 0; round < 5; round++) {
    await store(3, `2024-05-0${round + 1}T09:00:00`);
    const want = 1 + (round + 1) * 3;
    while (got.columnar.at(-1)!.offset < want) {
      got.columnar.push(...messagePunches((await columnar.next()).value as WatchPunchesResponse, true));
    }
    while (got.classic.at(-1)!.offset < want) {
      got.classic.push(...messagePunches((await classic.next()).value as WatchPunchesResponse, false));
    }
  }
  expect(got.columnar.map((p) => p.offset)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  expect(got.columnar).toEqual(got.classic);
  await columnar.return?.();
  await classic.return?.();
});
