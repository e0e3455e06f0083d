// The built bf-aggregator binary (dist/), as operators run it: READY line, `migrate`, kill -9 in
// the middle of ingest and a restart (exact counts), SIGTERM (flush, commit, exit 0).
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { migrate, openTestClickHouse, type OpenClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { AnalyticsServiceDefinition } from "@biometricflow/proto";
import { FakePlace, manyPunches, placeOf } from "./fake-place.js";
import { committedOffset, countDistinct, countFinal, eventually } from "./helpers.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const root = join(__dirname, "..");
const bin = join(root, "bin", "bf-aggregator.js");

function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

let ch: OpenClickHouse;
let place: FakePlace;
beforeAll(async () => {
  // tsc -b rewrites .tsbuildinfo whenever it rebuilds a project; older than a source means stale.
  const built = statSync(join(root, "dist", ".tsbuildinfo"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (built < newest(join(root, "src")))
    throw new Error(`${root}/dist is missing or stale: run \`npx tsc -b\``);
  ch = await openTestClickHouse();
  place = new FakePlace(placeOf("proc"), 1);
  await place.start();
}, 60_000);
afterAll(async () => {
  await place?.stop();
  await ch?.close();
});

interface Proc {
  child: ChildProcess;
  ready: { aggregator: string; clickhouse: string };
  stderr: () => string;
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    LOG_LEVEL: "warn",
    CLICKHOUSE_URL: ch.url,
    AGGREGATOR_CLICKHOUSE__DATABASE: ch.db.database,
    AGGREGATOR_PLACES: JSON.stringify([{ id: "proc", grpc: place.address }]),
    AGGREGATOR_GRPC__HOST: "127.0.0.1",
    AGGREGATOR_GRPC__PORT: "0",
    AGGREGATOR_INGEST__BATCH_SIZE: "300",
    AGGREGATOR_INGEST__STREAM_BATCH: "100",
    AGGREGATOR_INGEST__FLUSH_MS: "20",
    ...extra,
  };
}

async function start(extra: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [bin], { env: env(extra) });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`bf-aggregator exited (${code}) before READY: ${stderr}`)));
  });
  expect(line).toMatch(/^READY \{"aggregator":"127\.0\.0\.1:\d+","clickhouse":"http:\/\/[^"]+"\}$/);
  return { child, ready: JSON.parse(line.slice(6)) as Proc["ready"], stderr: () => stderr };
}

async function run(
  args: string[],
  extra: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: env(extra) });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const [code] = (await once(child, "exit")) as [number];
  return { code, out, err };
}

async function stop(p: Proc, signal: NodeJS.Signals): Promise<number | string | null> {
  const exited = once(p.child, "exit");
  p.child.kill(signal);
  const [code, sig] = (await exited) as [number | null, string | null];
  return code ?? `${sig}: ${p.stderr()}`;
}

test("migrate: applies the schema once, then nothing", async () => {
  const first = await run(["migrate"]);
  expect(first.err).toBe("");
  expect(JSON.parse(first.out)).toMatchObject({ database: ch.db.database, version: 8 });
  const second = await run(["migrate"]);
  expect(JSON.parse(second.out)).toEqual({ database: ch.db.database, applied: [], version: 8 });
});

test("bad configuration: exit 2 and every problem named", async () => {
  const r = await run([], {
    AGGREGATOR_PLACES: '[{"id":"bad id","grpc":"nowhere"}]',
    AGGREGATOR_INGEST__BATCH_SIZE: "0",
  });
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/places\.0\.id/);
  expect(r.err).toMatch(/places\.0\.grpc/);
  expect(r.err).toMatch(/ingest\.batchSize/);
  expect((await run(["frobnicate"])).err).toMatch(/unknown command "frobnicate"/);
  const unreachable = await run(["migrate"], { CLICKHOUSE_URL: "http://127.0.0.1:1" });
  expect(unreachable).toMatchObject({
    code: 1,
    err: expect.stringMatching(
      /^bf-aggregator: cannot prepare the schema in ClickHouse at http:\/\/127\.0\.0\.1:1: /,
    ),
  });
});

test("kill -9 in the middle of ingest, then a restart: every punch exactly once", async () => {
  await migrate(ch.db);
  place.append(manyPunches(10_000));
  const first = await start();
  await eventually(
    () => committedOffset(ch.db, "proc"),
    (n) => n >= 1_500,
  );
  first.child.kill("SIGKILL");
  await once(first.child, "exit");
  const committedAtKill = await committedOffset(ch.db, "proc");
  expect(committedAtKill).toBeLessThan(10_000); // killed in the middle
  place.append(manyPunches(10_000, "2024-07-01T06:00:00"));

  const second = await start();
  await eventually(
    () => committedOffset(ch.db, "proc"),
    (n) => n === 20_000,
  );
  expect(place.watchFrom.at(-1)).toBe(committedAtKill); // resumed from the committed offset
  expect(await countFinal(ch.db, "proc")).toBe(20_000);
  expect(await countDistinct(ch.db)).toBe(20_000);
  expect(await stop(second, "SIGTERM")).toBe(0);
}, 120_000);

test("SIGTERM stores and commits what is buffered, then exits 0", async () => {
  // Nothing is flushed on its own: only the shutdown can store these punches.
  const p = await start({ AGGREGATOR_INGEST__BATCH_SIZE: "1000000", AGGREGATOR_INGEST__FLUSH_MS: "60000" });
  const { client, close } = createChannelClient(AnalyticsServiceDefinition, p.ready.aggregator);
  try {
    const before = await committedOffset(ch.db, "proc");
    place.append(manyPunches(7, "2024-08-01T06:00:00"));
    // The aggregator has read them but not stored them.
    await eventually(
      async () => (await client.getIngestStatus({})).places[0]!,
      (s) => s.receivedOffset === before + 7,
    );
    expect(await committedOffset(ch.db, "proc")).toBe(before);
    expect(await stop(p, "SIGTERM")).toBe(0);
    expect(await committedOffset(ch.db, "proc")).toBe(before + 7);
    expect(await countFinal(ch.db, "proc")).toBe(before + 7);
  } finally {
    close();
  }
}, 60_000);

const onlyLocal = process.env.CLICKHOUSE_URL ? test.skip : test;

onlyLocal(
  "without CLICKHOUSE_URL it runs its own ClickHouse and stops it on SIGTERM",
  async () => {
    const p = await start({ CLICKHOUSE_URL: "", AGGREGATOR_CLICKHOUSE__DATABASE: "biometricflow" });
    const url = p.ready.clickhouse;
    expect(url).not.toBe(ch.url);
    expect((await fetch(`${url}/ping`)).ok).toBe(true);
    expect(await stop(p, "SIGTERM")).toBe(0);
    await expect(fetch(`${url}/ping`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  },
  60_000,
);
