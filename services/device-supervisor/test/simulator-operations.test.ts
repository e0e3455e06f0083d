import { DeviceState, Privilege } from "@biometricflow/proto";
import { startScenario, type Scenario } from "./support/scenario.js";
import { waitFor } from "./support/wait-for.js";

jest.setTimeout(40_000);

const S = DeviceState;
let scenario: Scenario | undefined;

afterEach(async () => {
  await scenario?.close();
  scenario = undefined;
});

const isLive = (s: Scenario, i: number) => () => s.server.lastStatus(s.id(i))?.state === S.DEVICE_STATE_LIVE;

test("a wrong comm key is reported as FAILED with the reason, and nothing is read", async () => {
  const s = (scenario = await startScenario([
    { records: 20, commKey: 1234, assignedCommKey: 4321 },
    { records: 5, commKey: 77 },
  ]));
  await s.server.until(
    "device 0 failed",
    () => s.server.lastStatus(s.id(0))?.state === S.DEVICE_STATE_FAILED,
  );
  expect(s.server.lastStatus(s.id(0))!.detail).toMatch(/comm key/);
  await s.allStored().catch(() => undefined);
  expect(s.storedKeys(0).size).toBe(0);
  expect(s.storedKeys(1)).toEqual(s.deviceKeys(1)); // the right key works
});

test("clear policy on a real device: stored, then cleared, audited, device enabled", async () => {
  const s = (scenario = await startScenario([
    { records: 900, capacities: { records: 1_000 }, clear: { enabled: true, thresholdPercent: 80 } },
  ]));
  const device = s.devices[0]!;
  const before = s.deviceKeys(0);
  await waitFor(
    "log cleared and audited",
    () => device.state.recordCount === 0 && s.server.audits.length >= 5,
    10_000,
  );
  expect(s.storedKeys(0)).toEqual(before);
  expect(s.server.audits.map((a) => a.action.split(".").at(-1))).toEqual([
    "disable",
    "read",
    "ack",
    "clear",
    "enable",
  ]);
  expect(device.state.enabled).toBe(true);
  await s.server.until("cursor back at 0", () => s.server.cursors.get(s.id(0))?.recordsIngested === 0);
  // Punches after the clear are pulled from index 0 of the new log.
  device.punch({ timestamp: "2025-06-03T08:00:00" });
  const [newKey] = s.deviceKeys(0);
  await s.server.until(
    "the new punch pulled",
    () => s.server.punches.has(newKey!) && s.server.cursors.get(s.id(0))?.recordsIngested === 1,
  );
  expect(s.storedKeys(0).size).toBe(before.size + 1);
});

test("commands from the place reach the device and are answered", async () => {
  const s = (scenario = await startScenario([{ records: 30 }]));
  await s.allStored();
  await s.server.until("device live", isLive(s, 0));
  const device = s.devices[0]!;
  s.server.command({
    commandId: "up-1",
    deviceId: s.id(0),
    upsertUser: {
      user: {
        userId: "777001",
        name: "Zainab",
        privilege: Privilege.PRIVILEGE_USER,
        card: 555,
        disabled: false,
        updatedAt: undefined,
      },
      password: "12",
    },
  });
  await s.server.until("upsert answered", () => s.server.completed.some((c) => c.commandId === "up-1"));
  expect(s.server.completed.find((c) => c.commandId === "up-1")).toMatchObject({ ok: true });
  expect(device.state.findUser("777001")).toMatchObject({ name: "Zainab", card: 555 });

  s.server.command({ commandId: "del-1", deviceId: s.id(0), deleteUser: { userId: "777001" } });
  s.server.command({ commandId: "clr-1", deviceId: s.id(0), clearLog: { actor: "hr@site", reason: "test" } });
  s.server.command({ commandId: "nope", deviceId: "dev-unknown", syncTime: {} });
  await s.server.until("three answers", () =>
    ["del-1", "clr-1", "nope"].every((id) => s.server.completed.some((c) => c.commandId === id)),
  );
  const answer = (id: string) => s.server.completed.find((c) => c.commandId === id)!;
  expect(answer("del-1").ok).toBe(true);
  expect(device.state.findUser("777001")).toBeUndefined();
  expect(answer("clr-1")).toMatchObject({ ok: true, cleared: 30 });
  expect(answer("nope")).toMatchObject({ ok: false });
  await waitFor("log empty and device enabled", () => device.state.recordCount === 0 && device.state.enabled);
});

test("a clock jump is reported as drift and corrected under the clock policy", async () => {
  const clock = {
    checkIntervalSeconds: 1,
    autoCorrect: true,
    thresholdSeconds: 60,
    minCorrectionIntervalSeconds: 3_600,
  };
  const s = (scenario = await startScenario([{ records: 10, clock }]));
  await s.server.until("device live", isLive(s, 0));
  expect(Math.abs(s.server.lastStatus(s.id(0))!.clockDriftSeconds)).toBeLessThanOrEqual(1);
  s.devices[0]!.setFaults("clock-jump=+900");
  await s.server.until(
    "drift corrected",
    () => s.server.audits.some((a) => a.action === "device.clock.correct"),
    5_000,
  );
  expect(s.server.audits[0]!.detail).toMatch(/\+(899|900|901) s/);
  expect(Math.abs(s.devices[0]!.state.clockOffsetSeconds)).toBeLessThanOrEqual(1);
});

test("a device removed from the place is reported DISABLED and its session ends", async () => {
  const s = (scenario = await startScenario([{ records: 10 }, { records: 10 }]));
  await s.allStored();
  await s.server.until("both live", () => isLive(s, 0)() && isLive(s, 1)());
  s.server.assign({ ...s.assignment, devices: s.assignment.devices.slice(0, 1) });
  await s.server.until(
    "device 1 disabled",
    () => s.server.lastStatus(s.id(1))?.state === S.DEVICE_STATE_DISABLED,
  );
  await waitFor("its session closed", () => s.devices[1]!.connectionCount === 0);
  expect(s.devices[0]!.connectionCount).toBe(1); // one connection per device
});
