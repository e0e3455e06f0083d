import { committedOffset, countStored } from "../support/clickhouse-store.js";
import {
  expectStoredExactlyOnce,
  punchEveryDevice,
  startFullStack,
  untilMidIngest,
  type FullStack,
} from "../support/full-stack.js";
import { workDir } from "../support/paths.js";

// The whole data path as real processes, simulated devices to ClickHouse: a kill -9 of the
// aggregator while it is storing the backlog, live punches while it is down, a restart; in the
// end ClickHouse holds every device punch exactly once.
jest.setTimeout(240_000);

let work: ReturnType<typeof workDir>;
let stack: FullStack | undefined;

beforeAll(() => (work = workDir("full-stack-aggregator-crash")));
afterAll(async () => {
  await stack?.stop();
  work.remove();
});

test("kill -9 of the aggregator mid-batch, then a restart: ClickHouse holds every punch once", async () => {
  stack = await startFullStack(work.dir, [
    { id: "north", devices: 2, records: 15_000, seed: 41 },
    { id: "south", devices: 2, records: 10_000, seed: 42, timezone: "Asia/Kolkata" },
  ]);
  const { db, sites, aggregator } = stack;

  await untilMidIngest(stack);
  await aggregator.stop("SIGKILL");

  const storedAtKill = await countStored(db);
  expect(storedAtKill).toBeGreaterThan(0);
  expect(storedAtKill).toBeLessThan(stack.backlog);
  const behind = [];
  for (const site of sites) behind.push((await committedOffset(db, site.id)) < (await site.place.head()));
  expect(behind).toContain(true);

  // Devices keep capturing and places keep journaling while the aggregator is away.
  await punchEveryDevice(stack, 5);
  await aggregator.start();
  await punchEveryDevice(stack, 5);
  await expectStoredExactlyOnce(stack);
});
