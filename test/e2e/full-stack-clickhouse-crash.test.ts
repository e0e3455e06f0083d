import {
  expectStoredExactlyOnce,
  punchEveryDevice,
  startFullStack,
  untilMidIngest,
  type FullStack,
} from "../support/full-stack.js";
import { workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";

// The whole data path as real processes, simulated devices to ClickHouse: ClickHouse is killed
// (kill -9 of the server) while the backlog is being stored and started again on the same data
// and ports; the aggregator keeps running, backs off, resumes, and drops nothing.
jest.setTimeout(240_000);

let work: ReturnType<typeof workDir>;
let stack: FullStack | undefined;

beforeAll(() => (work = workDir("full-stack-clickhouse-crash")));
afterAll(async () => {
  await stack?.stop();
  work.remove();
});

test("ClickHouse killed mid-ingest and restarted: the running aggregator stores every punch once", async () => {
  stack = await startFullStack(work.dir, [
    { id: "east", devices: 2, records: 15_000, seed: 51 },
    { id: "west", devices: 2, records: 10_000, seed: 52, timezone: "America/Sao_Paulo" },
  ]);
  const { aggregator, clickhouse } = stack;
  const pid = aggregator.process.pid;

  await untilMidIngest(stack);
  await clickhouse.killServer();
  // Nothing can be committed now: the aggregator's own account shows what the kill interrupted.
  const atKill = await aggregator.ingestStatus();
  expect(atKill.some((p) => p.committedOffset < p.headOffset)).toBe(true);

  // Devices and places carry on; the aggregator fails to store, says so, and retries.
  const journaled = async () => {
    let sum = 0;
    for (const site of stack!.sites) sum += await site.place.head();
    return sum;
  };
  const journaledAtKill = await journaled();
  await punchEveryDevice(stack, 5);
  await eventually(
    "the journals to grow while ClickHouse is down",
    async () => (await journaled()) > journaledAtKill,
    {
      timeoutMs: 60_000,
      intervalMs: 100,
    },
  );
  await eventually(
    "the aggregator to report that ClickHouse is failing",
    async () => (await aggregator.ingestStatus()).some((p) => p.lastError.startsWith("ClickHouse")),
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      describe: async () => JSON.stringify(await aggregator.ingestStatus()),
    },
  );
  await clickhouse.startServer();
  await punchEveryDevice(stack, 5);

  await expectStoredExactlyOnce(stack);
  expect({ running: aggregator.process.running, pid: aggregator.process.pid }).toEqual({
    running: true,
    pid,
  });
});
