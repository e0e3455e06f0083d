import { DeviceState, Privilege, type DeviceCommand } from "@biometricflow/proto";
import { seedRecords } from "./support/fake-device.js";
import { settle, startHarness, testSettings } from "./support/machine-harness.js";

const S = DeviceState;

beforeEach(() => {
  jest.useFakeTimers({ now: new Date("2025-03-03T07:00:00Z") }); // 08:00 in Lagos
});
afterEach(() => {
  jest.useRealTimers();
});

const command = (id: string, action: Omit<DeviceCommand, "commandId" | "deviceId">): DeviceCommand => ({
  commandId: id,
  deviceId: "dev-1",
  ...action,
});

describe("clear policy", () => {
  const clearing = { clear: { enabled: true, thresholdPercent: 80 } };

  test("above the threshold: disable, read, durable ack, clear, enable, each step audited", async () => {
    const h = startHarness({ settings: clearing });
    h.device.recordsCapacity = 100;
    seedRecords(h.device, 85);
    await settle();
    expect(h.state()).toBe("active.live.idle");
    expect(h.link.audits.map((a) => a.action)).toEqual([
      "device.clear_log.disable",
      "device.clear_log.read",
      "device.clear_log.ack",
      "device.clear_log.clear",
      "device.clear_log.enable",
    ]);
    expect(h.link.audits[0]!.actor).toBe("supervisor:sup-test");
    expect(h.link.punches.size).toBe(85);
    expect(h.device.records).toHaveLength(0);
    expect(h.device.enabled).toBe(true);
    expect(h.link.cursors.get("dev-1")!.recordsIngested).toBe(0);
    // Stored before cleared: the ingest of the last record precedes the clear on the device.
    const calls = h.device.calls;
    expect(calls.indexOf("disable")).toBeLessThan(calls.indexOf("clearLog"));
    expect(calls.indexOf("clearLog")).toBeLessThan(calls.lastIndexOf("enable"));
    h.actor.stop();
  });

  test("below the threshold, or off (the default): nothing is cleared", async () => {
    const below = startHarness({ settings: clearing });
    below.device.recordsCapacity = 100;
    seedRecords(below.device, 79);
    const off = startHarness();
    off.device.recordsCapacity = 100;
    seedRecords(off.device, 99);
    await settle();
    expect(below.device.count("clearLog") + off.device.count("clearLog")).toBe(0);
    expect(below.link.audits).toHaveLength(0);
    below.actor.stop();
    off.actor.stop();
  });

  test("a clear that fails leaves the device enabled and every record in place", async () => {
    const h = startHarness({ settings: clearing });
    h.device.recordsCapacity = 100;
    seedRecords(h.device, 90);
    h.device.clearFails = true;
    await settle();
    expect(h.state()).toBe("active.backingOff");
    expect(h.device.enabled).toBe(true);
    expect(h.device.records).toHaveLength(90);
    expect(h.link.audits.at(-1)!.detail).toContain("after a failed clear");
    await jest.advanceTimersByTimeAsync(1_000); // retry clears for real
    expect(h.device.records).toHaveLength(0);
    expect(h.link.punches.size).toBe(90);
    h.actor.stop();
  });
});

describe("clock drift", () => {
  /** The harness's clock settings with automatic correction on: 60 s threshold, once an hour. */
  const clock = { ...testSettings().clock, autoCorrect: true };

  test("drift is measured against the place's zone and reported", async () => {
    const h = startHarness();
    h.device.clockOffsetSeconds = 125;
    await settle();
    expect(h.link.lastStatus("dev-1")!.clockDriftSeconds).toBe(125);
    expect(h.device.count("setTime")).toBe(0); // correction is off by default
    h.actor.stop();
  });

  test("automatic correction above the threshold, at most once per interval, audited", async () => {
    const h = startHarness({ settings: { clock } });
    h.device.clockOffsetSeconds = -3_600; // an hour behind (a wrong zone on the device)
    await settle();
    expect(h.device.count("setTime")).toBe(1);
    expect(Math.abs(h.device.clockOffsetSeconds)).toBeLessThanOrEqual(1);
    expect(h.link.audits).toEqual([
      expect.objectContaining({
        action: "device.clock.correct",
        actor: "supervisor:sup-test",
        deviceId: "dev-1",
      }),
    ]);
    expect(h.link.audits[0]!.detail).toContain("-3600 s");
    h.device.clockOffsetSeconds = 300; // it drifts again soon
    await jest.advanceTimersByTimeAsync(660_000); // next check: too soon to correct again
    expect(h.device.count("setTime")).toBe(1);
    expect(h.link.lastStatus("dev-1")!.clockDriftSeconds).toBe(300);
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(h.device.count("setTime")).toBe(2);
    expect(h.link.lastStatus("dev-1")!.clockDriftSeconds).toBe(0);
    h.actor.stop();
  });

  test("a correction before a restart (the place's audit) still counts: none again within the interval", async () => {
    const h = startHarness({ settings: { clock }, lastCorrectionAt: Date.now() - 1_200_000 });
    h.device.clockOffsetSeconds = -3_600;
    await settle();
    expect(h.device.count("setTime")).toBe(0);
    expect(h.link.lastStatus("dev-1")!.clockDriftSeconds).toBe(-3_600);
    await jest.advanceTimersByTimeAsync(1_800_000); // 50 minutes since: still too soon
    expect(h.device.count("setTime")).toBe(0);
    await jest.advanceTimersByTimeAsync(1_200_000); // an hour and more: the next check corrects
    expect(h.device.count("setTime")).toBe(1);
    expect(h.link.audits).toEqual([expect.objectContaining({ action: "device.clock.correct" })]);
    h.actor.stop();
  });

  test("small drift is left alone", async () => {
    const h = startHarness({ settings: { clock } });
    h.device.clockOffsetSeconds = 30;
    await settle();
    expect(h.device.count("setTime")).toBe(0);
    h.actor.stop();
  });
});

describe("commands from the place", () => {
  test("upsert_user takes a free slot for a new badge and keeps the slot of a known one", async () => {
    const h = startHarness();
    h.device.users = [
      { uid: 1, userId: "1001", name: "Ada", privilege: 0, password: "77", card: 0, group: 1 },
      { uid: 3, userId: "1003", name: "Bola", privilege: 0, password: "", card: 0, group: 1 },
    ];
    await settle();
    const user = (userId: string, name: string) => ({
      userId,
      name,
      privilege: Privilege.PRIVILEGE_USER,
      card: 42,
      disabled: false,
      updatedAt: undefined,
    });
    h.actor.send({
      type: "COMMAND",
      command: command("c1", { upsertUser: { user: user("2001", "Chidi"), password: "" } }),
    });
    h.actor.send({
      type: "COMMAND",
      command: command("c2", {
        upsertUser: {
          user: { ...user("1001", "Ada Obi"), privilege: Privilege.PRIVILEGE_ADMIN },
          password: "",
        },
      }),
    });
    await settle();
    expect(h.link.completed.map((c) => [c.commandId, c.ok])).toEqual([
      ["c1", true],
      ["c2", true],
    ]);
    const byUid = new Map(h.device.users.map((u) => [u.uid, u]));
    expect(byUid.get(2)).toMatchObject({ userId: "2001", name: "Chidi", card: 42 });
    expect(byUid.get(1)).toMatchObject({ userId: "1001", name: "Ada Obi", privilege: 14, password: "77" });
    expect(h.state()).toBe("active.live.idle");
    h.actor.stop();
  });

  test("delete_user removes the badge's slot; an absent badge is already deleted", async () => {
    const h = startHarness();
    h.device.users = [
      { uid: 5, userId: "1005", name: "Dayo", privilege: 0, password: "", card: 0, group: 1 },
    ];
    await settle();
    h.actor.send({ type: "COMMAND", command: command("d1", { deleteUser: { userId: "1005" } }) });
    h.actor.send({ type: "COMMAND", command: command("d2", { deleteUser: { userId: "9999" } }) });
    await settle();
    expect(h.device.users).toHaveLength(0);
    expect(h.link.completed.map((c) => c.ok)).toEqual([true, true]);
    h.actor.stop();
  });

  test("sync_time sets the place's wall clock and answers before/after", async () => {
    const h = startHarness();
    h.device.clockOffsetSeconds = 7_200;
    await settle();
    h.actor.send({ type: "COMMAND", command: command("t1", { syncTime: {} }) });
    await settle();
    const done = h.link.completed[0]!;
    expect(done).toMatchObject({ commandId: "t1", ok: true });
    expect(done.timeBefore).toMatch(/^2025-03-03T10:00:0\d$/);
    expect(done.timeAfter).toMatch(/^2025-03-03T08:00:0\d$/);
    expect(h.link.lastStatus("dev-1")!.clockDriftSeconds).toBe(0);
    h.actor.stop();
  });

  test("pull reads now and answers how many punches were new; clear_log is audited under the asking person", async () => {
    const h = startHarness();
    seedRecords(h.device, 10);
    await settle();
    h.device.records.push({ uid: 9, userId: "1009", timestamp: "2025-03-03T09:30:00", verify: 1, punch: 1 });
    h.actor.send({ type: "COMMAND", command: command("p1", { pull: {} }) });
    h.actor.send({
      type: "COMMAND",
      command: command("x1", { clearLog: { actor: "alice@hr", reason: "monthly" } }),
    });
    await settle();
    expect(h.link.completed).toEqual([
      expect.objectContaining({ commandId: "p1", ok: true, stored: 1 }),
      expect.objectContaining({ commandId: "x1", ok: true, stored: 0, cleared: 11 }),
    ]);
    expect(new Set(h.link.audits.map((a) => a.actor))).toEqual(new Set(["alice@hr"]));
    expect(h.link.audits[0]!.detail).toContain("monthly");
    expect(h.device.records).toHaveLength(0);
    expect(h.link.punches.size).toBe(11);
    h.actor.stop();
  });

  test("commands wait while the device is away and run once it is live again", async () => {
    const h = startHarness({ random: () => 0 });
    await settle();
    h.device.connectFault = "refuse";
    h.device.reboot();
    await settle();
    h.actor.send({ type: "COMMAND", command: command("w1", { deleteUser: { userId: "1" } }) });
    await settle();
    expect(h.link.completed).toHaveLength(0);
    h.device.connectFault = undefined;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.state()).toBe("active.live.idle");
    expect(h.link.completed).toEqual([expect.objectContaining({ commandId: "w1", ok: true })]);
    h.actor.stop();
  });

  test("a failed device refuses commands at once; a device refusing one command stays live", async () => {
    const failed = startHarness();
    failed.device.connectFault = "auth";
    await settle();
    failed.actor.send({ type: "COMMAND", command: command("f1", { syncTime: {} }) });
    await settle();
    // Not run because the device is away: the place may send it again later.
    expect(failed.link.completed).toEqual([
      expect.objectContaining({ commandId: "f1", ok: false, retryable: true }),
    ]);
    expect(failed.link.completed[0]!.error).toContain("FAILED");
    failed.actor.stop();

    const live = startHarness();
    await settle();
    live.actor.send({
      type: "COMMAND",
      command: command("u1", { upsertUser: { user: undefined, password: "" } }),
    });
    await settle();
    // Refused by the device (or as malformed): sending it again would not help.
    expect(live.link.completed).toEqual([
      expect.objectContaining({ commandId: "u1", ok: false, retryable: false }),
    ]);
    expect(live.state()).toBe("active.live.idle");
    live.actor.stop();
  });

  test("removed from the place: queued commands are refused, DISABLED is reported, the session closed", async () => {
    const h = startHarness();
    h.device.connectFault = "refuse";
    await settle();
    h.actor.send({ type: "COMMAND", command: command("r1", { pull: {} }) });
    h.actor.send({ type: "REMOVE" });
    await settle();
    expect(h.link.completed).toEqual([
      expect.objectContaining({ commandId: "r1", ok: false, retryable: true }),
    ]);
    expect(h.link.lastStatus("dev-1")).toMatchObject({ state: S.DEVICE_STATE_DISABLED });
    expect(h.actor.getSnapshot().status).toBe("done");
  });
});
