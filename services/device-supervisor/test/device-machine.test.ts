import { DeviceState, PunchSource } from "@biometricflow/proto";
import { seedRecords } from "./support/fake-device.js";
import { settle, startHarness } from "./support/machine-harness.js";

const S = DeviceState;

beforeEach(() => {
  jest.useFakeTimers({ now: new Date("2025-03-03T07:00:00Z") });
});
afterEach(() => {
  jest.useRealTimers();
});

describe("device machine: the way to live", () => {
  test("connects, identifies, catches up, then listens; reports each state", async () => {
    const h = startHarness();
    seedRecords(h.device, 120);
    await settle();
    expect(h.state()).toBe("active.live.idle");
    expect(h.link.states("dev-1")).toEqual([
      S.DEVICE_STATE_CONNECTING,
      S.DEVICE_STATE_AUTHENTICATING,
      S.DEVICE_STATE_SYNCING,
      S.DEVICE_STATE_LIVE,
    ]);
    expect(h.link.punches.size).toBe(120);
    expect(h.link.cursors.get("dev-1")).toEqual({
      recordsIngested: 120,
      lastLocalTime: "2025-03-03T08:59:00",
      lastUserId: "1020",
    });
    // The catch-up read happens before the live registration.
    expect(h.device.calls.indexOf("readLog(lock)")).toBeLessThan(h.device.calls.indexOf("startLive"));
    expect(h.link.lastStatus("dev-1")).toMatchObject({
      serialNumber: "FAKE0001",
      recordsOnDevice: 120,
      recordsIngested: 120,
      consecutiveFailures: 0,
    });
    h.actor.stop();
  });

  test("a wrong serial at the configured address fails instead of ingesting under the wrong identity", async () => {
    const h = startHarness({ settings: { configuredSerial: "OTHER" } });
    seedRecords(h.device, 5);
    await settle();
    expect(h.state()).toBe("active.failed");
    expect(h.link.lastStatus("dev-1")!.detail).toContain("serial mismatch");
    expect(h.link.punches.size).toBe(0);
    h.actor.stop();
  });

  test("no host configured: disabled, and a new configuration brings it up", async () => {
    const h = startHarness({ settings: { params: { host: "", port: 4370, transport: "tcp", commKey: 0 } } });
    await settle();
    expect(h.state()).toBe("active.disabled");
    expect(h.device.count("connect")).toBe(0);
    h.actor.send({
      type: "CONFIGURE",
      settings: {
        ...h.actor.getSnapshot().context.settings,
        params: { host: "10.0.0.9", port: 4370, transport: "tcp", commKey: 0 },
      },
    });
    await settle();
    expect(h.state()).toBe("active.live.idle");
    expect(h.device.params?.host).toBe("10.0.0.9");
    h.actor.stop();
  });
});

describe("device machine: failures", () => {
  test("backoff doubles from 1 s and is capped at 5 min", async () => {
    const h = startHarness({ random: () => 0 });
    h.device.connectFault = "refuse";
    await settle();
    for (let i = 0; i < 11; i++) await jest.advanceTimersByTimeAsync(300_000);
    const gaps = h.device.connectTimes.slice(1).map((t, i) => t - h.device.connectTimes[i]!);
    expect(gaps.slice(0, 11)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000,
    ]);
    expect(h.state()).toBe("active.backingOff");
    const status = h.link.lastStatus("dev-1")!;
    expect(status.state).toBe(S.DEVICE_STATE_BACKING_OFF);
    expect(status.detail).toContain("ECONNREFUSED");
    expect(status.consecutiveFailures).toBeGreaterThanOrEqual(11);
    expect(status.nextRetryAt!.getTime() - status.stateSince!.getTime()).toBe(300_000);
    h.actor.stop();
  });

  test("jitter only shortens a delay, by at most a quarter, and never passes the cap", async () => {
    let i = 0;
    const h = startHarness({ random: () => (i++ * 0.377) % 1 });
    h.device.connectFault = "refuse";
    await settle();
    for (let k = 0; k < 14; k++) await jest.advanceTimersByTimeAsync(300_000);
    const gaps = h.device.connectTimes.slice(1).map((t, k) => t - h.device.connectTimes[k]!);
    expect(gaps.length).toBeGreaterThanOrEqual(12);
    gaps.slice(0, 12).forEach((gap, k) => {
      const nominal = Math.min(300_000, 1_000 * 2 ** k);
      expect(gap).toBeLessThanOrEqual(nominal);
      expect(gap).toBeGreaterThanOrEqual(Math.floor(nominal * 0.75));
    });
    expect(new Set(gaps.slice(9, 12)).size).toBeGreaterThan(1); // capped delays still differ
    h.actor.stop();
  });

  test("a refused comm key fails and retries slowly, not every second", async () => {
    const h = startHarness();
    h.device.connectFault = "auth";
    await settle();
    expect(h.state()).toBe("active.failed");
    expect(h.link.lastStatus("dev-1")).toMatchObject({
      state: S.DEVICE_STATE_FAILED,
      consecutiveFailures: 1,
    });
    expect(h.link.lastStatus("dev-1")!.detail).toContain("comm key");
    await jest.advanceTimersByTimeAsync(899_000);
    expect(h.device.count("connect")).toBe(1);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.device.count("connect")).toBe(2);
    // The right key arrives with the next assignment: connect at once.
    h.device.connectFault = undefined;
    const settings = h.actor.getSnapshot().context.settings;
    h.actor.send({
      type: "CONFIGURE",
      settings: { ...settings, params: { ...settings.params, commKey: 1234 } },
    });
    await settle();
    expect(h.state()).toBe("active.live.idle");
    expect(h.device.params?.commKey).toBe(1234);
    h.actor.stop();
  });

  test("place down during catch-up: the cursor stays, later delivery sends only what is missing", async () => {
    const h = startHarness({ random: () => 0 });
    seedRecords(h.device, 12_000);
    h.link.downAfter = 1; // the first batch of 5,000 is stored, then the place goes away
    await settle();
    expect(h.state()).toBe("active.backingOff");
    expect(h.link.cursors.get("dev-1")!.recordsIngested).toBe(5_000);
    expect(h.actor.getSnapshot().context.cursor.recordsIngested).toBe(5_000);
    h.link.down = false;
    h.link.downAfter = undefined;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.state()).toBe("active.live.idle");
    expect(h.link.punches.size).toBe(12_000);
    const sent = h.link.ingests.reduce((n, r) => n + r.punches.length, 0);
    expect(sent).toBe(12_000); // nothing was sent twice
    expect(h.link.ingests.map((r) => r.cursor?.recordsIngested)).toEqual([5_000, 10_000, 12_000]);
    h.actor.stop();
  });
});

describe("device machine: reboots and liveness", () => {
  test("a reboot (socket closed) reconnects, reads what was missed, then registers again", async () => {
    const h = startHarness({ random: () => 0 });
    seedRecords(h.device, 10);
    await settle();
    expect(h.device.count("startLive")).toBe(1);
    h.device.connectFault = "refuse"; // still booting
    h.device.reboot();
    h.device.punch("1001", "2025-03-03T09:00:00"); // punched while nobody listens
    h.device.punch("1002", "2025-03-03T09:00:30");
    await settle();
    expect(h.state()).toBe("active.backingOff");
    await jest.advanceTimersByTimeAsync(1_000); // first retry: still refused
    h.device.connectFault = undefined;
    await jest.advanceTimersByTimeAsync(2_000);
    expect(h.state()).toBe("active.live.idle");
    expect(h.device.count("startLive")).toBe(2);
    const lastRead = h.device.calls.lastIndexOf("readLog(lock)");
    expect(lastRead).toBeGreaterThan(h.device.calls.indexOf("startLive"));
    expect(lastRead).toBeLessThan(h.device.calls.lastIndexOf("startLive"));
    expect(h.link.punches.size).toBe(12);
    expect(h.link.states("dev-1")).toContain(S.DEVICE_STATE_BACKING_OFF);
    expect(h.link.lastStatus("dev-1")).toMatchObject({ state: S.DEVICE_STATE_LIVE, consecutiveFailures: 0 });
    h.actor.stop();
  });

  test("a silent reboot (session forgotten, no close) is found by the liveness probe", async () => {
    const h = startHarness({ random: () => 0.5 });
    seedRecords(h.device, 10);
    await settle();
    h.device.silentReboot();
    h.device.punch("1003", "2025-03-03T09:01:00"); // no live event: registration is gone
    await jest.advanceTimersByTimeAsync(5_000); // first probe at half the interval (random 0.5)
    expect(h.state()).toBe("active.backingOff");
    expect(h.link.lastStatus("dev-1")!.detail).toContain("liveness probe failed");
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.state()).toBe("active.live.idle");
    expect(h.device.count("startLive")).toBe(2);
    expect(h.link.punches.size).toBe(11);
    expect(h.link.states("dev-1")).not.toContain(S.DEVICE_STATE_FAILED); // a lost session is no auth failure
    h.actor.stop();
  });

  test("a probe that gets no answer in time counts as a dead device", async () => {
    const h = startHarness();
    await settle();
    h.device.probeHangs = true;
    await jest.advanceTimersByTimeAsync(5_000 + 1_000);
    expect(h.state()).toBe("active.backingOff");
    h.device.probeHangs = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(h.state()).toBe("active.live.idle");
    h.actor.stop();
  });

  test("live punches do not trigger reads; a punch live capture missed does", async () => {
    const h = startHarness();
    seedRecords(h.device, 10);
    await settle();
    h.device.punch("1001", "2025-03-03T09:00:00");
    await jest.advanceTimersByTimeAsync(5_000); // probe: one new record, one live punch: nothing missed
    expect(h.device.count("readLog(lock)")).toBe(1);
    h.device.records.push({ uid: 2, userId: "1002", timestamp: "2025-03-03T09:00:10", verify: 1, punch: 1 });
    await jest.advanceTimersByTimeAsync(10_000); // probe: two new records, one live: pull now
    await settle();
    expect(h.device.count("readLog(lock)")).toBe(2);
    expect(h.link.punches.size).toBe(12);
    expect(h.link.cursors.get("dev-1")!.recordsIngested).toBe(12);
    h.actor.stop();
  });

  test("punches delivered live move the cursor: periodic pulls probe the count and read nothing", async () => {
    const h = startHarness();
    seedRecords(h.device, 10);
    await settle();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(h.device.count("readLog(lock)")).toBe(1); // counts unchanged: no read
    h.device.punch("1001", "2025-03-03T09:00:00");
    h.device.punch("1002", "2025-03-03T09:00:05", 1);
    await jest.advanceTimersByTimeAsync(70_000);
    expect(h.device.count("readLog(lock)")).toBe(1);
    expect(h.link.liveCount()).toBe(2);
    // The place learns the new position with the live punches' identity, as a read would give it.
    expect(h.link.cursors.get("dev-1")).toEqual({
      recordsIngested: 12,
      lastLocalTime: "2025-03-03T09:00:05",
      lastUserId: "1002",
    });
    expect(h.link.lastStatus("dev-1")).toMatchObject({ recordsIngested: 12, recordsOnDevice: 12 });
    h.actor.stop();
  });

  test("a record live capture missed is read from the cursor at the next probe", async () => {
    const h = startHarness();
    seedRecords(h.device, 10);
    await settle();
    h.device.punch("1001", "2025-03-03T09:00:00");
    // Punched while the registration was gone: in the log, never heard live.
    h.device.records.push({ uid: 3, userId: "1003", timestamp: "2025-03-03T09:01:00", verify: 1, punch: 0 });
    h.device.punch("1004", "2025-03-03T09:02:00");
    await jest.advanceTimersByTimeAsync(11_000); // one probe interval
    expect(h.device.count("readLog(lock)")).toBe(2);
    expect([...h.link.punches.values()].map((p) => p.localTime)).toContain("2025-03-03T09:01:00");
    expect(h.link.cursors.get("dev-1")).toMatchObject({ recordsIngested: 13, lastUserId: "1004" });
    h.actor.stop();
  });

  test("a live punch the place did not store is read by a pull at once", async () => {
    const h = startHarness();
    seedRecords(h.device, 10);
    await settle();
    h.link.down = true;
    h.device.punch("1001", "2025-03-03T09:00:00");
    await jest.advanceTimersByTimeAsync(10);
    h.link.down = false;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(h.device.count("readLog(lock)")).toBe(2);
    const stored = [...h.link.punches.values()].find((p) => p.localTime === "2025-03-03T09:00:00");
    expect(stored?.source).toBe(PunchSource.PUNCH_SOURCE_DEVICE_PULL);
    expect(h.link.cursors.get("dev-1")).toMatchObject({ recordsIngested: 11 });
    h.actor.stop();
  });
});

describe("device machine: incremental sync from the place's cursor", () => {
  const cursorAfter = (n: number) => ({
    recordsIngested: n,
    lastLocalTime: `2025-03-03T${String(7 + Math.floor((n - 1) / 60)).padStart(2, "0")}:${String((n - 1) % 60).padStart(2, "0")}:00`,
    lastUserId: String(1001 + ((n - 1) % 50)),
  });

  test("unchanged count: no read at all", async () => {
    const h = startHarness({ cursor: cursorAfter(100) });
    seedRecords(h.device, 100);
    await settle();
    expect(h.state()).toBe("active.live.idle");
    expect(h.device.count("readLog(lock)")).toBe(0);
    expect(h.link.ingests).toHaveLength(0);
    h.actor.stop();
  });

  test("more records: only those after the cursor are sent", async () => {
    const h = startHarness({ cursor: cursorAfter(100) });
    seedRecords(h.device, 105);
    await settle();
    expect(h.link.ingests).toHaveLength(1);
    expect(h.link.ingests[0]!.punches.map((p) => p.localTime)).toEqual([
      "2025-03-03T08:40:00",
      "2025-03-03T08:41:00",
      "2025-03-03T08:42:00",
      "2025-03-03T08:43:00",
      "2025-03-03T08:44:00",
    ]);
    expect(h.link.ingests[0]!.punches[0]!.source).toBe(PunchSource.PUNCH_SOURCE_DEVICE_PULL);
    h.actor.stop();
  });

  test("fewer records than the cursor: the log was cleared, everything is sent", async () => {
    const h = startHarness({ cursor: cursorAfter(100) });
    seedRecords(h.device, 30, 500);
    await settle();
    expect(h.link.punches.size).toBe(30);
    expect(h.link.cursors.get("dev-1")!.recordsIngested).toBe(30);
    h.actor.stop();
  });

  test("a different record before the cursor: the log was replaced, everything is sent", async () => {
    const h = startHarness({ cursor: cursorAfter(100) });
    seedRecords(h.device, 150, 3);
    await settle();
    expect(h.link.punches.size).toBe(150);
    h.actor.stop();
  });

  test("a log emptied by someone else moves the place's cursor back to 0", async () => {
    const h = startHarness({ cursor: cursorAfter(100) });
    await settle();
    expect(h.link.ingests).toEqual([
      expect.objectContaining({
        punches: [],
        cursor: { recordsIngested: 0, lastLocalTime: "", lastUserId: "" },
      }),
    ]);
    h.actor.stop();
  });
});
