import { DeviceState, PunchSource } from "@biometricflow/proto";
import { startScenario, type Scenario } from "./support/scenario.js";

// Real simulated devices, the real ZK client and a real gRPC link: only the place's storage is fake.
jest.setTimeout(40_000);

const S = DeviceState;
let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const live = (s: Scenario, i: number) => () => s.server.lastStatus(s.id(i))?.state === S.DEVICE_STATE_LIVE;

test("every punch on the devices ends in the store exactly once, old and new, from several devices", async () => {
  const s = (scenario = await startScenario([{ records: 3_500 }, { records: 400 }, { records: 0 }]));
  await s.allStored();
  expect(s.server.punches.size).toBe([0, 1, 2].reduce((n, i) => n + s.deviceKeys(i).size, 0));
  // New punches while live, on every device, then the periodic pull that moves the cursors.
  for (let k = 0; k < 5; k++) for (const d of s.devices) d.punch();
  await s.allStored();
  for (const i of [0, 1, 2]) expect(s.storedKeys(i)).toEqual(s.deviceKeys(i));
  expect(s.devices.every((d) => d.state.enabled)).toBe(true);
  // Catch-up went in batches of 1,000 with the cursor after each.
  expect(s.server.cursors.get("dev-0")!.recordsIngested).toBe(s.devices[0]!.state.recordCount);
});

test("a live punch reaches the place promptly, marked as live", async () => {
  const s = (scenario = await startScenario([{ records: 50 }]));
  await s.allStored();
  await s.server.until("device live", live(s, 0));
  const punchedAt = Date.now();
  const record = s.devices[0]!.punch({
    userId: s.devices[0]!.state.users()[0]!.userId,
    timestamp: "2025-06-02T08:01:02",
  });
  await s.server.until(
    "the live punch stored",
    () =>
      [...s.server.punches.values()].some(
        (p) => p.localTime === record.timestamp && p.source === PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
      ),
    2_000,
  );
  expect(Date.now() - punchedAt).toBeLessThan(1_000);
  const stored = [...s.server.punches.values()].find((p) => p.localTime === record.timestamp)!;
  expect(stored.trace).toBeDefined();
  // The next pull sends the same record again; the store keeps one.
  await s.allStored();
  expect(s.storedKeys(0)).toEqual(s.deviceKeys(0));
});

test("punches delivered live are not sent again by the periodic pulls: the cursor moves past them", async () => {
  const s = (scenario = await startScenario([{ records: 50 }]));
  await s.allStored();
  await s.server.until("device live", live(s, 0));
  for (let k = 0; k < 3; k++) s.devices[0]!.punch();
  await s.allStored(); // the place's cursor covers the live punches too
  const syncs = new Set<number>();
  await s.server.until("two more periodic pulls", () => {
    const at = s.server.lastStatus(s.id(0))?.lastSyncAt?.getTime();
    if (at !== undefined) syncs.add(at);
    return syncs.size >= 3;
  });
  expect(s.storedKeys(0)).toEqual(s.deviceKeys(0));
  // Every record reached the place once: the catch-up read, then live capture; no re-reads.
  const receipts = [...s.server.receipts.entries()].filter(([key]) => s.deviceKeys(0).has(key));
  expect(receipts).toHaveLength(53);
  expect(receipts.filter(([, n]) => n !== 1)).toEqual([]);
  expect(s.server.cursors.get(s.id(0))).toMatchObject({
    recordsIngested: 53,
    lastLocalTime: s.devices[0]!.state.attendance().at(-1)!.timestamp,
  });
});

test.each(["tcp", "udp"] as const)(
  "a reboot mid-live (%s) is recovered; punches made meanwhile are caught up; live capture resumes",
  async (transport) => {
    const s = (scenario = await startScenario([{ records: 200, rebootDowntimeMs: 600 }], { transport }));
    await s.allStored();
    await s.server.until("device live", live(s, 0));
    const device = s.devices[0]!;
    device.reboot();
    for (let k = 0; k < 3; k++) device.punch({ timestamp: `2025-06-02T09:0${k}:00` });
    await s.server.until("the reboot noticed", () =>
      s.server.states(s.id(0)).includes(S.DEVICE_STATE_BACKING_OFF),
    );
    await s.allStored();
    await s.server.until("device live again", live(s, 0));
    expect(s.storedKeys(0)).toEqual(s.deviceKeys(0));
    // Registered again: a new punch arrives live, not only with the next pull.
    const after = device.punch({ timestamp: "2025-06-02T09:30:00" });
    await s.server.until(
      "a live punch after the reboot",
      () =>
        [...s.server.punches.values()].some(
          (p) => p.localTime === after.timestamp && p.source === PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
        ),
      3_000,
    );
  },
);

test("a connection dropped mid-transfer is recovered without loss or duplicates, and the device is enabled", async () => {
  const events: string[] = [];
  const logger = {
    debug: (_: object, m: string) => void events.push(m),
    info: () => undefined,
    warn: () => undefined,
  };
  const s = (scenario = await startScenario([{ records: 6_000, faults: "drop-after=60000", logger }]));
  await s.allStored();
  expect(events).toContain("drop-after fault"); // the cut really happened
  expect(s.storedKeys(0)).toEqual(s.deviceKeys(0));
  expect(s.devices[0]!.state.enabled).toBe(true);
});

test("a device that stops answering is probed dead, and recovered once it answers again", async () => {
  const s = (scenario = await startScenario([{ records: 100 }]));
  await s.allStored();
  await s.server.until("device live", live(s, 0));
  s.devices[0]!.setFaults("stall=0");
  await s.server.until(
    "stall noticed",
    () => s.server.lastStatus(s.id(0))?.state === S.DEVICE_STATE_BACKING_OFF,
  );
  expect(s.server.lastStatus(s.id(0))!.detail).toMatch(/probe|reply|answer/);
  s.devices[0]!.clearFaults();
  s.devices[0]!.punch();
  await s.allStored();
  await s.server.until("device live again", live(s, 0));
});

test("the place going away and coming back loses nothing", async () => {
  const s = (scenario = await startScenario([{ records: 300 }]));
  await s.allStored();
  s.server.down = true;
  for (let k = 0; k < 4; k++) s.devices[0]!.punch({ timestamp: `2025-06-02T10:0${k}:00` });
  await s.server.until(
    "ingest failure noticed",
    () => s.server.lastStatus(s.id(0))?.state === S.DEVICE_STATE_BACKING_OFF,
  );
  s.server.down = false;
  await s.allStored();
  expect(s.storedKeys(0)).toEqual(s.deviceKeys(0));
});
