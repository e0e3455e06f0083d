// The aggregator following the real place service (services/place, bin bf-place, its journal on
// disk): its dedup keys, offsets and rules, including a kill -9 of the place and its return.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { migrate, openTestClickHouse, type OpenClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient, type ChannelClient } from "@biometricflow/grpc-kit";
import {
  AnalyticsServiceDefinition,
  AttendanceStatus,
  PlaceServiceDefinition,
  PunchSource,
  SupervisorLinkServiceDefinition,
  type CapturedPunch,
} from "@biometricflow/proto";
import { freePortForTest } from "./free-port.js";
import { startAggregator, type RunningAggregator } from "../src/start-aggregator.js";
import { committedOffset, countFinal, eventually, quietLog } from "./helpers.js";
import { aggregatorConfigSchema } from "../src/config.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

const placeBin = join(__dirname, "..", "..", "place", "bin", "bf-place.js");
const placeBuilt = existsSync(join(__dirname, "..", "..", "place", "dist", "main.js"));
const suite = placeBuilt ? describe : describe.skip; // built by `npx tsc -b` (npm test builds first)

let ch: OpenClickHouse;
let dir: string;
let port: number;
let place: ChildProcess | undefined;
let link: ChannelClient<typeof SupervisorLinkServiceDefinition> | undefined;
let app: RunningAggregator | undefined;

async function startPlace(): Promise<void> {
  const child = spawn(process.execPath, [placeBin, "--config", join(dir, "place.yaml")], {
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", () => resolve());
    child.once("exit", (code) => reject(new Error(`bf-place exited (${code}): ${stderr}`)));
  });
  place = child;
  link = createChannelClient(SupervisorLinkServiceDefinition, `127.0.0.1:${port}`);
}

async function killPlace(): Promise<void> {
  link?.close();
  const exited = once(place!, "exit");
  place!.kill("SIGKILL");
  await exited;
}

/** n punches of one device, a minute apart from `start` (wall clock). */
function captured(n: number, start: string, user = (i: number) => `u${i % 20}`): CapturedPunch[] {
  const base = Date.parse(`${start}Z`);
  return Array.from({ length: n }, (_, i) => ({
    userId: user(i),
    localTime: new Date(base + i * 60_000).toISOString().slice(0, 19),
    punchState: 0,
    verifyMethod: 1,
    source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    receivedAt: new Date(),
    trace: undefined,
    deviceUid: 0,
    rawRecord: Buffer.alloc(0),
    unreadableReason: "",
  }));
}

const ingest = (device: "d1" | "d2", punches: CapturedPunch[]) =>
  link!.client.ingestPunches({ deviceId: device, deviceSerial: `SER-${device}`, punches });

/** The aggregator following the real place, with small batches so tests see several. */
const followConfig = () =>
  aggregatorConfigSchema.parse({
    places: [{ id: "real-site", grpc: `127.0.0.1:${port}` }],
    grpc: { host: "127.0.0.1", port: 0 },
    ingest: { batchSize: 100, flushMs: 20, streamBatch: 40, retryInitialMs: 20, retryMaxMs: 200 },
  });
/** The running aggregator's ingest status of the real place. */
const ingestOf = () => app!.status.snapshot().find((p) => p.placeId === "real-site")!;

const journalFiles = (from: string) => readdirSync(from).filter((f) => f.startsWith("journal.db"));

/**
 * `kept` punches stored and followed, a backup of the stopped place's journal into `folder`, then
 * `lost` punches that only the disk about to be lost holds, followed too. Returns the place as at
 * the backup and the punches in ClickHouse by then.
 */
async function backUpThenLose(folder: string, kept: number, lost: number, day: string) {
  await ingest("d1", captured(kept, `${day}T07:00:00`));
  const placeApi = createChannelClient(PlaceServiceDefinition, `127.0.0.1:${port}`);
  const atBackup = await placeApi.client.getPlace({});
  placeApi.close();
  await eventually(
    ingestOf,
    (p) => p.journalId === atBackup.journalId && p.committedOffset === atBackup.headOffset,
  );
  await killPlace();
  mkdirSync(folder);
  for (const f of journalFiles(dir)) copyFileSync(join(dir, f), join(folder, f));
  await startPlace();
  await ingest("d2", captured(lost, `${day}T12:00:00`));
  await eventually(ingestOf, (p) => p.committedOffset === atBackup.headOffset + lost);
  return { atBackup, stored: await countFinal(ch.db, "real-site") };
}

/** The disk is lost and the backup in `folder` restored: the same journal id, its head behind. */
async function restore(folder: string): Promise<void> {
  await killPlace();
  for (const f of journalFiles(dir)) rmSync(join(dir, f));
  for (const f of journalFiles(folder)) copyFileSync(join(folder, f), join(dir, f));
  await startPlace();
}

suite("with the real place service", () => {
  beforeAll(async () => {
    ch = await openTestClickHouse();
    await migrate(ch.db);
    dir = mkdtempSync(join(tmpdir(), "bf-agg-place-"));
    port = await freePortForTest();
    writeFileSync(
      join(dir, "place.yaml"),
      [
        "id: real-site",
        "name: Real site",
        "timezone: Africa/Lagos",
        'rules: { shiftStart: "08:00", shiftEnd: "17:00", graceMinutes: 10, minHoursPresent: 4, weekendDays: [0, 6], breakMinutes: 60 }',
        "devices: [{ id: d1, serial: SER-d1, host: 127.0.0.1, port: 9 }, { id: d2, serial: SER-d2, host: 127.0.0.1, port: 9 }]",
        `grpc: { host: 127.0.0.1, port: ${port} }`,
        "journal: { path: journal.db }",
      ].join("\n"),
    );
    await startPlace();
  }, 60_000);

  afterAll(async () => {
    await app?.shutdown();
    if (place && place.exitCode === null) await killPlace();
    rmSync(dir, { recursive: true, force: true });
    await ch?.close();
  });

  test("stores every journal punch once, through a place crash and replays", async () => {
    await ingest("d1", captured(300, "2024-05-06T07:00:00"));
    app = await startAggregator(followConfig(), ch.db, quietLog);
    await eventually(
      () => committedOffset(ch.db, "real-site"),
      (n) => n === 300,
    );

    // The device replays its log: the place stores nothing new, and neither do we.
    const again = await ingest("d1", captured(300, "2024-05-06T07:00:00"));
    expect(again.stored).toBe(0);

    await killPlace();
    await startPlace(); // same journal, same port
    await ingest("d2", captured(200, "2024-05-07T07:00:00"));
    await eventually(
      () => committedOffset(ch.db, "real-site"),
      (n) => n === 500,
    );
    expect(await countFinal(ch.db, "real-site")).toBe(500);

    // Its rules came from GetPlace: a person-day is judged by them.
    const api = createChannelClient(AnalyticsServiceDefinition, app.address);
    try {
      const { rows } = await api.client.getTimesheet({
        scope: { placeIds: ["real-site"], fromDate: "2024-05-06", toDate: "2024-05-06" },
        userIds: ["u0"],
      });
      // u0 punched at 07:00, 07:20, ... 11:40 on d1 (every 20th minute): in early, out before noon.
      expect(rows).toEqual([
        expect.objectContaining({
          userId: "u0",
          firstIn: "2024-05-06T07:00:00",
          lastOut: "2024-05-06T11:40:00",
          punches: 15,
          workedMinutes: 280 - 60,
          earlyLeaveMinutes: 320,
          status: AttendanceStatus.ATTENDANCE_STATUS_INCOMPLETE,
        }),
      ]);
    } finally {
      api.close();
    }
  }, 60_000);

  test("a journal replaced under the same place id (offsets from 1 again) is read from its start: nothing skipped", async () => {
    app ??= await startAggregator(followConfig(), ch.db, quietLog); // when run alone
    await ingest("d1", captured(50, "2024-05-08T07:00:00"));
    const placeApi = createChannelClient(PlaceServiceDefinition, `127.0.0.1:${port}`);
    const old = await placeApi.client.getPlace({});
    placeApi.close();
    expect(old.headOffset).toBeGreaterThanOrEqual(50);
    await eventually(ingestOf, (p) => p.journalId === old.journalId && p.committedOffset === old.headOffset);
    const oldPunches = await countFinal(ch.db, "real-site");
    expect(oldPunches).toBe(old.headOffset);

    // The disk is lost: the place comes back with the same id and an empty journal.
    await killPlace();
    for (const f of readdirSync(dir).filter((f) => f.startsWith("journal.db"))) rmSync(join(dir, f));
    await startPlace();
    const fewer = Math.floor(old.headOffset / 3);
    await ingest("d2", captured(fewer, "2024-06-03T07:00:00"));
    const replaced = await eventually(
      ingestOf,
      (p) => p.journalId !== old.journalId && p.committedOffset === fewer,
    );
    expect(replaced.journalId).toMatch(/^[0-9a-f]{32}$/);
    expect(await countFinal(ch.db, "real-site")).toBe(oldPunches + fewer);

    // Past the old journal's offset: the new journal's punches below it are not skipped either.
    const more = old.headOffset + 100 - fewer;
    await ingest("d1", captured(more, "2024-06-10T07:00:00"));
    await eventually(ingestOf, (p) => p.committedOffset === fewer + more);
    expect(fewer + more).toBeGreaterThan(old.headOffset);
    expect(await countFinal(ch.db, "real-site")).toBe(oldPunches + fewer + more);
    expect(await committedOffset(ch.db, "real-site")).toBe(fewer + more);
    expect(ingestOf()).toMatchObject({ journalId: replaced.journalId, lastError: "" });
  }, 60_000);

  test("a journal restored from a backup (same id, offsets reused past the backup) is read again: nothing skipped", async () => {
    app ??= await startAggregator(followConfig(), ch.db, quietLog); // when run alone
    const backup = join(dir, "backup");
    const { atBackup, stored: beforeRestore } = await backUpThenLose(backup, 40, 200, "2024-07-01");
    const lostHead = atBackup.headOffset + 200;

    // The aggregator sees the journal's head 200 behind its stored offset.
    await restore(backup);
    await ingest("d1", captured(100, "2024-07-08T07:00:00")); // offsets the lost punches had
    await eventually(
      () => countFinal(ch.db, "real-site"),
      (n) => n === beforeRestore + 100,
    );
    await ingest("d2", captured(250, "2024-07-09T07:00:00")); // and past the lost head
    await eventually(
      () => countFinal(ch.db, "real-site"),
      (n) => n === beforeRestore + 350,
    );
    await eventually(ingestOf, (p) => p.committedOffset === atBackup.headOffset + 350);
    expect(atBackup.headOffset + 350).toBeGreaterThan(lostHead);
    expect(ingestOf()).toMatchObject({ journalId: atBackup.journalId, lastError: "" });
    expect(await committedOffset(ch.db, "real-site")).toBe(atBackup.headOffset + 350);
  }, 60_000);

  test("a journal restored from a backup and grown past the stored offset while the aggregator was away is read again: nothing skipped", async () => {
    app ??= await startAggregator(followConfig(), ch.db, quietLog); // when run alone
    const backup = join(dir, "backup-away");
    const { atBackup, stored: beforeRestore } = await backUpThenLose(backup, 30, 60, "2024-09-02");
    const lostHead = atBackup.headOffset + 60;

    // The aggregator is away while the disk is lost, the backup restored, and more punches come:
    // when it is back the journal's head is past its stored offset again.
    await app.shutdown();
    app = undefined;
    await restore(backup);
    await ingest("d1", captured(90, "2024-09-10T07:00:00"));
    expect(atBackup.headOffset + 90).toBeGreaterThan(lostHead);

    app = await startAggregator(followConfig(), ch.db, quietLog);
    await eventually(
      () => countFinal(ch.db, "real-site"),
      (n) => n === beforeRestore + 90,
    );
    await eventually(ingestOf, (p) => p.committedOffset === atBackup.headOffset + 90);
    expect(ingestOf()).toMatchObject({ journalId: atBackup.journalId, lastError: "" });
  }, 60_000);

  test("an address that serves another place is refused, shown as the last error, nothing stored", async () => {
    const config = aggregatorConfigSchema.parse({
      places: [{ id: "swapped", grpc: `127.0.0.1:${port}` }],
      grpc: { host: "127.0.0.1", port: 0 },
      ingest: { retryInitialMs: 20, retryMaxMs: 200 },
    });
    const wrong = await startAggregator(config, ch.db, quietLog);
    const api = createChannelClient(AnalyticsServiceDefinition, wrong.address);
    try {
      const status = await eventually(
        async () => (await api.client.getIngestStatus({})).places[0]!,
        (p) => p.lastError.includes("serves place"),
      );
      expect(status.lastError).toContain(`serves place "real-site", not "swapped"`);
      expect(await committedOffset(ch.db, "swapped")).toBe(0);
      expect(await countFinal(ch.db, "swapped")).toBe(0);
    } finally {
      api.close();
      await wrong.shutdown();
    }
  });
});
