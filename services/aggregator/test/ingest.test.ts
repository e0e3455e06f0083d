// The aggregator in-process against real places over gRPC (in-test PlaceService) and the real
// ClickHouse: exactly once through replays, dropped streams, a place outage and a ClickHouse outage.
import { migrate, openTestClickHouse, sql, lit, type OpenClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { AnalyticsServiceDefinition, type Punch } from "@biometricflow/proto";
import { startAggregator, type RunningAggregator } from "../src/start-aggregator.js";
import { FakePlace, manyPunches, placeOf, userOf } from "./fake-place.js";
import { committedOffset, countDistinct, countFinal, eventually, quietLog, testConfig } from "./helpers.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const onlyLocal = process.env.CLICKHOUSE_URL ? test.skip : test;

let ch: OpenClickHouse;
const cleanup: (() => Promise<void>)[] = [];
beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
}, 60_000);
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});
afterAll(async () => ch?.close());

async function places(...ids: string[]): Promise<FakePlace[]> {
  const out = ids.map((id) => new FakePlace(placeOf(id), 1));
  for (const p of out) {
    await p.start();
    cleanup.push(() => p.stop());
  }
  return out;
}

async function aggregator(
  ps: FakePlace[],
  changes: Record<string, unknown> = {},
): Promise<RunningAggregator> {
  const app = await startAggregator(testConfig(ps, changes), ch.db, quietLog);
  cleanup.push(() => app.shutdown());
  return app;
}

const stored = (placeId: string, n: number) =>
  eventually(
    () => committedOffset(ch.db, placeId),
    (c) => c === n,
  );

test("replays and dropped streams store every punch exactly once", async () => {
  const [p] = await places("replay");
  p!.replayFromStart = true; // a misbehaving place: the whole journal again on every connect
  p!.append(manyPunches(1_000));
  await aggregator([p!]);
  await stored("replay", 1_000);
  for (let round = 0; round < 3; round++) {
    const connects = p!.watchFrom.length;
    p!.append(manyPunches(300, `2024-06-0${round + 1}T06:00:00`));
    p!.dropStreams();
    await eventually(
      () => p!.watchFrom.length,
      (n) => n > connects, // the aggregator reconnected (and got the whole journal again)
    );
  }
  await stored("replay", 1_900);
  expect(p!.sent).toBeGreaterThan(1_900); // replays really happened
  expect(await countFinal(ch.db, "replay")).toBe(1_900);
});

test("a place that is down does not hold the others back, and catches up when it is back", async () => {
  const [a, b] = await places("down-a", "down-b");
  b!.columnar = false; // a place that predates columnar WatchPunches: Punch messages, read as well
  a!.append(manyPunches(100));
  b!.append(manyPunches(100));
  const app = await aggregator([a!, b!]);
  await stored("down-a", 100);
  await stored("down-b", 100);

  await a!.stop();
  a!.append(manyPunches(250, "2024-06-01T06:00:00"));
  b!.append(manyPunches(250, "2024-06-01T06:00:00"));
  await stored("down-b", 350);
  const downA = await eventually(
    () => app.status.snapshot().find((s) => s.placeId === "down-a")!,
    (s) => s.lastError.startsWith("place stream"),
  );
  expect(downA).toMatchObject({ connected: false, committedOffset: 100 });

  await a!.start(); // same port
  await stored("down-a", 350);
  expect(a!.watchFrom.at(-1)).toBe(100); // resumed where it stopped
  expect(await countFinal(ch.db, "down-a")).toBe(350);
  expect(await countFinal(ch.db, "down-b")).toBe(350);
});

onlyLocal(
  "ClickHouse stopped and restarted mid-ingest: nothing lost, nothing doubled",
  async () => {
    const [p] = await places("ch-outage");
    p!.append(manyPunches(2_000));
    const app = await aggregator([p!]);
    await eventually(
      () => committedOffset(ch.db, "ch-outage"),
      (n) => n >= 200,
    );
    await ch.local!.stopServer();
    try {
      p!.append(manyPunches(3_000, "2024-06-01T06:00:00"));
      await eventually(
        () => app.status.snapshot()[0]!.lastError,
        (e) => e.startsWith("ClickHouse"),
      );
    } finally {
      await ch.local!.startServer();
    }
    await stored("ch-outage", 5_000);
    expect(await countFinal(ch.db, "ch-outage")).toBe(5_000);
    expect(await countDistinct(ch.db)).toBe(await countFinal(ch.db));
    expect(app.status.snapshot()[0]).toMatchObject({
      committedOffset: 5_000,
      receivedOffset: 5_000,
      headOffset: 5_000,
      lastError: "",
    });
  },
  60_000,
);

test("the live stream merges every place's stored punches; a filter picks places", async () => {
  const [a, b] = await places("live-a", "live-b");
  const app = await aggregator([a!, b!]);
  const { client, close } = createChannelClient(AnalyticsServiceDefinition, app.address);
  cleanup.push(async () => close());
  const collect = async (placeIds: string[], n: number, signal: AbortSignal): Promise<Punch[]> => {
    const got: Punch[] = [];
    for await (const m of client.streamPunches({ placeIds }, { signal })) {
      expect(m.dropped).toBe(0);
      got.push(...m.punches);
      if (got.length >= n) break;
    }
    return got;
  };
  const stop = new AbortController();
  const all = collect([], 30, stop.signal);
  const onlyB = collect(["live-b"], 10, stop.signal);
  // Subscribed once the hub counts both subscribers (the calls are in flight until then).
  await eventually(
    () => app.liveSubscribers,
    (n) => n === 2,
  );
  a!.append(manyPunches(20));
  b!.append(manyPunches(10));
  const [merged, justB] = await Promise.all([all, onlyB]);
  stop.abort();
  expect(merged.filter((p) => p.placeId === "live-a")).toHaveLength(20);
  expect(merged.filter((p) => p.placeId === "live-b")).toHaveLength(10);
  expect(justB.every((p) => p.placeId === "live-b")).toBe(true);
  expect(justB).toHaveLength(10);
});

test("rules and people are read from each place and stored; users gone from a place are marked deleted", async () => {
  const [p] = await places("people");
  p!.users = [userOf("1", "Ada"), userOf("2", "Bola"), userOf("3", "Chidi")];
  const app = await aggregator([p!], { ingest: { refreshSeconds: 1 } });
  const read = async () =>
    ch.db.rows<{ user_id: string; name: string; deleted: number }>(
      sql`SELECT user_id, name, deleted FROM ${ch.db.table("users")} FINAL
        WHERE place_id = ${lit.string("people")} ORDER BY user_id`,
    );
  await eventually(read, (rows) => rows.length === 3);
  p!.users = [userOf("1", "Ada"), userOf("3", "Chidi Okafor")];
  const rows = await eventually(read, (r) => r.some((u) => u.deleted === 1));
  expect(rows).toEqual([
    { user_id: "1", name: "Ada", deleted: 0 },
    { user_id: "2", name: "Bola", deleted: 1 },
    { user_id: "3", name: "Chidi Okafor", deleted: 0 },
  ]);
  const placesRows = await ch.db.rows<{ place_id: string; shift_start: string; weekend_days: number[] }>(
    sql`SELECT place_id, shift_start, weekend_days FROM ${ch.db.table("places")} FINAL WHERE place_id = 'people'`,
  );
  expect(placesRows).toEqual([{ place_id: "people", shift_start: "08:00", weekend_days: [0, 6] }]);
  expect(app.status.snapshot()[0]!.placeId).toBe("people");
});
