// PlaceFollower against the real ClickHouse, fed by an in-process journal stream whose reads we
// count exactly: backpressure and bounded memory while ClickHouse is down, nothing lost after.
import { migrate, type OpenClickHouse, openTestClickHouse } from "@biometricflow/clickhouse";
import type { Punch, WatchPunchesResponse } from "@biometricflow/proto";
import { IngestStatusBoard } from "../src/ingest/ingest-status.js";
import { LiveHub } from "../src/ingest/live-hub.js";
import { PlaceFollower, type FollowerOptions } from "../src/ingest/place-follower.js";
import { PunchStore } from "../src/store/punch-store.js";
import { FakePlace, manyPunches, placeOf } from "./fake-place.js";
import { committedOffset, countDistinct, countFinal, eventually, quietLog } from "./helpers.js";
import { punchBlockOf } from "./punch-blocks.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const onlyLocal = process.env.CLICKHOUSE_URL ? test.skip : test;

let ch: OpenClickHouse;
beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
}, 60_000);
afterAll(async () => ch?.close());

/** The journal as a stream of 50-punch blocks (columnar); `pulled` counts every message handed out. */
function journalStream(journal: readonly Punch[]) {
  const counter = { pulled: 0, connects: [] as number[] };
  async function* watch(from: number, signal: AbortSignal): AsyncGenerator<WatchPunchesResponse> {
    counter.connects.push(from);
    for (let at = from; at < journal.length; at += 50) {
      counter.pulled += 1;
      yield { punches: [], headOffset: journal.length, block: punchBlockOf(journal.slice(at, at + 50)) };
    }
    // Then live: nothing more until the follower stops.
    await new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
  }
  return { watch, counter };
}

/** A follower of an in-process place holding `punches` punches, not yet running. */
function followerOf(
  placeId: string,
  punches: number,
  options: Pick<FollowerOptions, "batchSize" | "flushMs">,
  store = new PunchStore(ch.db),
) {
  const place = new FakePlace(placeOf(placeId), 1);
  place.append(manyPunches(punches));
  const { watch, counter } = journalStream(place.journal);
  const status = new IngestStatusBoard([{ id: placeId, grpc: "in-process" }]);
  const follower = new PlaceFollower({
    placeId,
    watch,
    store,
    hub: new LiveHub(10),
    status,
    log: quietLog,
    options: { retryInitialMs: 10, retryMaxMs: 100, ...options },
  });
  return { follower, counter, status };
}

onlyLocal(
  "ClickHouse down: the stream is not read past two batches, and everything is stored once it is back",
  async () => {
    const stop = new AbortController();
    await ch.local!.stopServer();
    const store = new PunchStore(ch.db);
    const open = store.openPunchInsert.bind(store);
    let inserts = 0; // attempts, failed ones included
    store.openPunchInsert = () => (inserts++, open());
    const { follower, counter, status } = followerOf("bp", 5_000, { batchSize: 200, flushMs: 20 }, store);
    const running = follower.run(0, stop.signal, 1_000);
    try {
      await eventually(
        () => status.snapshot()[0]!.lastError,
        (e) => e.startsWith("ClickHouse insert"),
      );
      // Each message of 50 is handed off as it comes (over a tenth of a batch) until two batches
      // (400) are handed off and not stored; the ninth waits in the buffer and no more is read.
      // And so it stays while the inserts keep failing.
      const held = () => ({ buffered: follower.position.buffered, pulled: counter.pulled });
      await eventually(held, (h) => h.buffered === 450 && h.pulled === 9);
      const tried = inserts;
      await eventually(
        () => inserts,
        (n) => n >= tried + 2,
      );
      expect(held()).toEqual({ buffered: 450, pulled: 9 });
      await ch.local!.startServer();
      await eventually(
        () => committedOffset(ch.db, "bp"),
        (n) => n === 5_000,
      );
      expect(await countFinal(ch.db, "bp")).toBe(5_000);
      expect(await countDistinct(ch.db)).toBe(await countFinal(ch.db));
      expect(counter.connects).toEqual([0]);
    } finally {
      await ch.local!.startServer();
      stop.abort();
      await running;
    }
  },
  60_000,
);

test("shutdown stores and commits what is buffered", async () => {
  const stop = new AbortController();
  // Nothing would be flushed before the shutdown: the batch is bigger and the timer long.
  const { follower } = followerOf("sd", 130, { batchSize: 10_000, flushMs: 60_000 });
  const running = follower.run(0, stop.signal, 5_000);
  // The stream is read to its end (3 messages) before shutdown, all of it still in memory.
  await eventually(
    () => follower.position,
    (p) => p.received === 130,
  );
  expect(follower.position).toEqual({ received: 130, committed: 0, buffered: 130 });
  stop.abort();
  await running;
  expect(await committedOffset(ch.db, "sd")).toBe(130);
  expect(await countFinal(ch.db, "sd")).toBe(130);
});

test("the end of a backlog is stored at once, not when the INSERT's timers run out", async () => {
  const stop = new AbortController();
  // Handed off 10 at a time, INSERTs of 100; an open INSERT would otherwise end only after a
  // minute of nothing new (idle) or ten (age), well past this test's time limit.
  const { follower } = followerOf("bl", 275, { batchSize: 100, flushMs: 600_000 });
  const running = follower.run(0, stop.signal, 5_000);
  try {
    await eventually(
      () => committedOffset(ch.db, "bl"),
      (n) => n === 275,
    );
    expect(await countFinal(ch.db, "bl")).toBe(275);
  } finally {
    stop.abort();
    await running;
  }
});
