import { Status } from "nice-grpc";
import { DeviceState, Privilege, type DeviceStatus } from "@biometricflow/proto";
import { fakeSupervisor } from "./fake-supervisor.js";
import { Inbox, punches, startTestPlace, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeEach(async () => (t = await startTestPlace({ commands: { timeoutSeconds: 1 } })));
afterEach(() => t.close());

test("Attach sends the place's devices with their stored cursors", async () => {
  const cursor = { recordsIngested: 3, lastLocalTime: "2024-05-06T08:02:00", lastUserId: "u2" };
  await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(3), cursor });
  const s = fakeSupervisor(t.link, "s1");
  const a = await s.assignments.next();
  expect(a).toMatchObject({ placeId: "test-site", timezone: "Europe/Berlin" });
  expect(a.devices.map((d) => [d.device?.id, d.device?.serial, d.cursor?.recordsIngested])).toEqual([
    ["d1", "SER-1", 3],
    ["d2", "SER-2", 0],
  ]);
  expect(a.devices[0]).toMatchObject({ commKey: 0, cursor, clock: { checkIntervalSeconds: 600 } });
  await s.stop();
});

test("Attach tells each device when a supervisor last corrected its clock (0: never)", async () => {
  const correct = { deviceId: "d1", actor: "supervisor:s0", action: "device.clock.correct", detail: "set" };
  await t.link.recordAudit(correct);
  await t.link.recordAudit({ ...correct, action: "device.clock.sync" }); // another action: not it
  await t.link.recordAudit(correct);
  const last = t.place.journal.audit.recent(3).find((e) => e.action === "device.clock.correct")!;
  const s = fakeSupervisor(t.link, "s1");
  const a = await s.assignments.next();
  expect(a.devices.map((d) => [d.device?.id, d.lastClockCorrectionMs])).toEqual([
    ["d1", last.atMs],
    ["d2", 0],
  ]);
  await s.stop();
});

test("one supervisor runs the devices; a second waits and takes over when the first goes", async () => {
  const first = fakeSupervisor(t.link, "s1");
  expect((await first.assignments.next()).devices).toHaveLength(2);
  const second = fakeSupervisor(t.link, "s2");
  expect((await second.assignments.next()).devices).toHaveLength(0);
  await first.stop();
  expect((await second.assignments.next()).devices).toHaveLength(2);
  await second.stop();
});

test("UpsertUser stores, audits and pushes the user (with its password) to every device", async () => {
  const s = fakeSupervisor(
    t.link,
    "s1",
    () => ({ ok: true }),
    () => true,
  );
  await s.assignments.next();
  const r = await t.api.upsertUser({
    user: { userId: "42", name: "Ada", privilege: Privilege.PRIVILEGE_ADMIN, card: 7 },
    password: "1234",
    actor: "hr-admin",
  });
  expect(r.devices).toEqual([
    { deviceId: "d1", ok: true, error: "", pending: false },
    { deviceId: "d2", ok: true, error: "", pending: false },
  ]);
  const sent = [await s.commands.next(), await s.commands.next()];
  expect(sent.map((c) => c.deviceId).sort()).toEqual(["d1", "d2"]);
  expect(sent[0]!.upsertUser).toMatchObject({ user: { userId: "42", name: "Ada" }, password: "1234" });
  const { users } = await t.api.listUsers({});
  expect(users).toEqual([expect.objectContaining({ userId: "42", name: "Ada", card: 7 })]);
  expect(JSON.stringify(users)).not.toContain("1234");
  const audit = t.place.journal.audit.recent(3);
  expect(
    audit
      .slice(0, 2)
      .map((e) => [e.action, e.detail.deviceId])
      .sort(),
  ).toEqual([
    ["user.upsert.applied", "d1"],
    ["user.upsert.applied", "d2"],
  ]);
  expect(audit[2]).toMatchObject({
    actor: "hr-admin",
    action: "user.upsert",
    target: "42",
    detail: { passwordChanged: true },
  });
  expect(JSON.stringify(t.place.journal.audit.recent(10))).not.toContain("1234");
  await s.stop();
});

test("with no supervisor, UpsertUser still stores the user and reports each device as pending", async () => {
  const r = await t.api.upsertUser({ user: { userId: "42" }, actor: "a" });
  expect(r.devices.map((d) => [d.deviceId, d.ok, d.pending])).toEqual([
    ["d1", false, true],
    ["d2", false, true],
  ]);
  expect(r.devices[0]!.error).toMatch(/device is UNKNOWN; applied when it is live again/);
  expect((await t.api.listUsers({})).users).toHaveLength(1);
  const deleted = await t.api.deleteUser({ userId: "42", actor: "a" });
  expect(deleted.devices.every((d) => !d.ok && d.pending)).toBe(true);
});

test("a command nobody answers fails with UNAVAILABLE after its timeout instead of hanging", async () => {
  const s = fakeSupervisor(t.link, "s1", () => undefined);
  await s.assignments.next();
  await expect(t.api.syncDeviceTime({ deviceId: "d1", actor: "a" })).rejects.toMatchObject({
    code: Status.UNAVAILABLE,
    details: expect.stringContaining("did not answer"),
  });
  expect(t.place.journal.audit.recent(2).map((e) => e.action)).toEqual([
    "device.sync_time.failed",
    "device.sync_time.requested",
  ]);
  await s.stop();
});

test("a command to a device known to be away is refused at once and never queued", async () => {
  const sent: string[] = [];
  const s = fakeSupervisor(t.link, "s1", (c) => void sent.push(c.commandId));
  await s.assignments.next();
  await t.link.reportDeviceStatus({
    status: { deviceId: "d1", state: DeviceState.DEVICE_STATE_BACKING_OFF, detail: "connect ECONNREFUSED" },
  });
  for (const call of [
    () => t.api.triggerPull({ deviceId: "d1" }),
    () => t.api.syncDeviceTime({ deviceId: "d1", actor: "a" }),
    () => t.api.clearDeviceLog({ deviceId: "d1", confirmSerial: "SER-1", actor: "a" }),
  ]) {
    await expect(call()).rejects.toMatchObject({
      code: Status.UNAVAILABLE,
      details:
        'device "d1" is backing_off: connect ECONNREFUSED; nothing was sent, try again when it is live',
    });
  }
  expect(sent).toEqual([]);
  await s.stop();
});

test("a command fails at once when its supervisor detaches", async () => {
  const commands = new Inbox<string>();
  const s = fakeSupervisor(t.link, "s1", (c) => void commands.push(c.commandId));
  await s.assignments.next();
  const pulling = t.api.triggerPull({ deviceId: "d1" });
  await commands.next();
  await s.stop();
  await expect(pulling).rejects.toMatchObject({
    code: Status.UNAVAILABLE,
    details: expect.stringContaining("detached"),
  });
});

test("SyncDeviceTime, TriggerPull and a guarded ClearDeviceLog return what the device did", async () => {
  const s = fakeSupervisor(t.link, "s1", (c) =>
    c.syncTime
      ? { ok: true, timeBefore: "2024-05-06T08:00:00", timeAfter: "2024-05-06T08:03:00" }
      : c.pull
        ? { ok: true, stored: 5 }
        : c.clearLog
          ? { ok: true, stored: 2, cleared: 120 }
          : { ok: false, error: "unexpected" },
  );
  await s.assignments.next();
  expect(await t.api.syncDeviceTime({ deviceId: "d1", actor: "a" })).toEqual({
    before: "2024-05-06T08:00:00",
    after: "2024-05-06T08:03:00",
  });
  expect(await t.api.triggerPull({ deviceId: "d1" })).toEqual({ stored: 5 });
  await t.link.reportDeviceStatus({
    status: { deviceId: "d2", serialNumber: "REAL-2", state: DeviceState.DEVICE_STATE_LIVE },
  });
  await expect(
    t.api.clearDeviceLog({ deviceId: "d2", confirmSerial: "SER-2", actor: "a" }),
  ).rejects.toMatchObject({
    code: Status.INVALID_ARGUMENT, // the device's own serial wins over the configured one
  });
  expect(
    await t.api.clearDeviceLog({ deviceId: "d2", confirmSerial: "REAL-2", actor: "ops", reason: "full" }),
  ).toEqual({ stored: 2, cleared: 120 });
  expect(t.place.journal.audit.recent(2)).toMatchObject([
    { actor: "ops", action: "device.clear_log.done", target: "d2", detail: { cleared: 120 } },
    { actor: "ops", action: "device.clear_log.requested", target: "d2", detail: { reason: "full" } },
  ]);
  await s.stop();
});

test("ReportDeviceStatus feeds ListDevices and WatchDevices (every device first, then changes)", async () => {
  await t.link.ingestPunches({
    deviceId: "d1",
    deviceSerial: "SER-1",
    punches: punches(2),
    cursor: { recordsIngested: 2, lastLocalTime: "", lastUserId: "" },
  });
  const controller = new AbortController();
  const seen = new Inbox<DeviceStatus>();
  const watching = (async () => {
    for await (const m of t.api.watchDevices({}, { signal: controller.signal })) seen.push(m.status!);
  })().catch(() => undefined);
  const initial = [await seen.next(), await seen.next()];
  expect(initial.map((s) => [s.deviceId, s.state])).toEqual([
    ["d1", DeviceState.DEVICE_STATE_UNKNOWN],
    ["d2", DeviceState.DEVICE_STATE_UNKNOWN],
  ]);
  await t.link.reportDeviceStatus({
    status: { deviceId: "d1", state: DeviceState.DEVICE_STATE_LIVE, firmware: "Ver 6.60" },
  });
  // records_ingested is the journal's own count, not whatever the supervisor sent.
  expect(await seen.next()).toMatchObject({
    deviceId: "d1",
    state: DeviceState.DEVICE_STATE_LIVE,
    recordsIngested: 2,
  });
  const { devices } = await t.api.listDevices({});
  expect(devices.map((d) => [d.device?.id, d.status?.state, d.status?.firmware])).toEqual([
    ["d1", DeviceState.DEVICE_STATE_LIVE, "Ver 6.60"],
    ["d2", DeviceState.DEVICE_STATE_UNKNOWN, ""],
  ]);
  controller.abort();
  await watching;
});

test("RecordAudit stores the supervisor's own steps", async () => {
  await t.link.recordAudit({
    deviceId: "d1",
    actor: "supervisor:s1",
    action: "clear_policy.disable",
    detail: "80% full",
  });
  expect(t.place.journal.audit.recent(1)[0]).toMatchObject({
    actor: "supervisor:s1",
    action: "clear_policy.disable",
    target: "d1",
  });
});
