import { Status } from "nice-grpc";
import type { Punch, WatchPunchesResponse } from "@biometricflow/proto";
import { punches, startTestPlace, take, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeEach(async () => (t = await startTestPlace()));
afterEach(() => t.close());

const ingest = (n: number, start: string) =>
  t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(n, { start }) });
const offsets = (ms: WatchPunchesResponse[]): number[] => ms.flatMap((m) => m.punches.map((p) => p.offset));

/** Read the stream until `last` has arrived; every offset received, in order. */
async function readUntil(stream: AsyncIterable<WatchPunchesResponse>, last: number): Promise<Punch[]> {
  const got: Punch[] = [];
  for await (const m of stream) {
    got.push(...m.punches);
    if (got.at(-1)!.offset >= last) break;
  }
  return got;
}

test("from 0: the journal in batches, then new punches live, with no gap and no duplicate", async () => {
  await ingest(10, "2024-05-06T08:00:00");
  const stream = t.api.watchPunches({ fromOffset: 0, maxBatch: 4 })[Symbol.asyncIterator]();
  const replay = [await stream.next(), await stream.next(), await stream.next()].map(
    (r) => r.value as WatchPunchesResponse,
  );
  expect(replay.map((m) => m.punches.length)).toEqual([4, 4, 2]);
  expect(replay[0]!.headOffset).toBe(10);
  await ingest(5, "2024-05-06T09:00:00");
  const live = await readUntil({ [Symbol.asyncIterator]: () => stream }, 15);
  expect([...offsets(replay), ...live.map((p) => p.offset)]).toEqual(
    Array.from({ length: 15 }, (_, i) => i + 1),
  );
  expect(live[0]).toMatchObject({
    placeId: "test-site",
    deviceId: "d1",
    deviceSerial: "SER-1",
    localTime: "2024-05-06T09:00:00",
  });
  await stream.return?.();
});

test("from a middle offset: resumes right after it", async () => {
  await ingest(10, "2024-05-06T08:00:00");
  const [first] = await take(t.api.watchPunches({ fromOffset: 7 }), 1);
  expect(first!.punches.map((p) => p.offset)).toEqual([8, 9, 10]);
});

test("a subscriber that joins while punches keep arriving sees each exactly once", async () => {
  const total = 300;
  const writing = (async () => {
    for (let i = 0; i < total; i++) {
      await t.link.ingestPunches({
        deviceId: "d2",
        deviceSerial: "SER-2",
        punches: punches(1, { user: `w${i}` }),
      });
    }
  })();
  await ingest(1, "2024-01-01T00:00:00"); // some history before the subscriber joins
  const got = await readUntil(t.api.watchPunches({ fromOffset: 0, maxBatch: 7 }), total + 1);
  await writing;
  expect(got.map((p) => p.offset)).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
});

// Latency figures belong to bench:fleet; here: every punch stored one by one reaches a live
// subscriber, each exactly once and in offset order.
test("each punch stored while a subscriber is live reaches it, once and in order", async () => {
  const n = 1000;
  const received: { offset: number; userId: string }[] = [];
  const stream = t.api.watchPunches({ fromOffset: 0 });
  const reading = (async () => {
    for await (const m of stream) {
      for (const p of m.punches) received.push({ offset: p.offset, userId: p.userId });
      if (received.length >= n) return;
    }
  })();
  await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(1) });
  for (let i = 1; i < n; i++) {
    const [p] = punches(1, { user: `u${i}` });
    await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: [p!] });
  }
  await reading;
  expect(received.map((r) => r.offset)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(new Set(received.slice(1).map((r) => r.userId)).size).toBe(n - 1);
}, 60_000);

test("an offset past the head is refused (a replaced journal), as is an oversized batch", async () => {
  await ingest(2, "2024-05-06T08:00:00");
  await expect(take(t.api.watchPunches({ fromOffset: 3 }), 1)).rejects.toMatchObject({
    code: Status.FAILED_PRECONDITION,
    details: expect.stringContaining("past this journal's head 2"),
  });
  await expect(take(t.api.watchPunches({ maxBatch: 10_001 }), 1)).rejects.toMatchObject({
    code: Status.INVALID_ARGUMENT,
  });
});
