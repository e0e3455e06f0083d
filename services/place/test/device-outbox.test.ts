import { createChannelClient } from "@biometricflow/grpc-kit";
import {
  DeviceState,
  PlaceServiceDefinition,
  SupervisorLinkServiceDefinition,
  type DeviceCommand,
} from "@biometricflow/proto";
import { startPlace } from "../src/start-place.js";
import { fakeSupervisor } from "./fake-supervisor.js";
import { quietLog, startTestPlace, tempDir, testConfig, type TestPlace } from "./helpers.js";
import { eventually } from "../../../test/support/poll.js";

// User changes for a device that is not live wait in the journal's outbox and are applied, in
// order, when its supervisor reports it LIVE; each application is audited.
let t: TestPlace;
beforeEach(async () => (t = await startTestPlace({ commands: { timeoutSeconds: 2 } })));
afterEach(() => t.close());

const live = (link: TestPlace["link"], deviceId: string) =>
  link.reportDeviceStatus({ status: { deviceId, state: DeviceState.DEVICE_STATE_LIVE } });

const summary = (c: DeviceCommand): string =>
  c.upsertUser
    ? `${c.deviceId} upsert ${c.upsertUser.user!.userId} ${c.upsertUser.user!.name}`
    : `${c.deviceId} delete ${c.deleteUser!.userId}`;

test("d2 offline: changes are pending, the newest per user wins, and they reach d2 in order when it is live", async () => {
  const s = fakeSupervisor(
    t.link,
    "s1",
    () => ({ ok: true }),
    (id) => id === "d1",
  );
  await s.assignments.next();
  const first = await t.api.upsertUser({ user: { userId: "42", name: "Ada" }, password: "1", actor: "hr" });
  expect(first.devices.map((d) => [d.deviceId, d.ok, d.pending])).toEqual([
    ["d1", true, false],
    ["d2", false, true],
  ]);
  expect(first.devices[1]!.error).toMatch(/device is UNKNOWN/);
  await t.api.upsertUser({ user: { userId: "43", name: "Bob" }, actor: "hr" });
  await t.api.upsertUser({ user: { userId: "42", name: "Ada K" }, actor: "hr" });
  await t.api.deleteUser({ userId: "43", actor: "hr" });
  const sent: string[] = [];
  for (let i = 0; i < 4; i++) sent.push(summary(await s.commands.next()));
  expect(sent).toEqual(["d1 upsert 42 Ada", "d1 upsert 43 Bob", "d1 upsert 42 Ada K", "d1 delete 43"]);
  expect(t.place.journal.outbox.pending("d1")).toBe(0);
  expect(t.place.journal.outbox.pending("d2")).toBe(2);

  await live(t.link, "d2");
  // Bob's upsert was replaced by his delete; Ada's first version by her second.
  expect([summary(await s.commands.next()), summary(await s.commands.next())]).toEqual([
    "d2 upsert 42 Ada K",
    "d2 delete 43",
  ]);
  await eventually("d2's outbox empty", () => t.place.journal.outbox.pending("d2") === 0, {
    timeoutMs: 5_000,
  });
  const applied = t.place.journal.audit
    .recent(20)
    .filter((e) => e.detail.deviceId === "d2")
    .map((e) => [e.actor, e.action, e.target]);
  expect(applied).toEqual([
    ["hr", "user.delete.applied", "43"],
    ["hr", "user.upsert.applied", "42"],
  ]);
  await s.stop();
});

test("a device that refuses a change is reported and not retried; one that lost its session keeps it pending", async () => {
  const s = fakeSupervisor(
    t.link,
    "s1",
    (c) =>
      c.deviceId === "d1"
        ? { ok: false, error: "the device has no free user slot" }
        : { ok: false, error: "device is BACKING_OFF", retryable: true },
    () => true,
  );
  await s.assignments.next();
  const r = await t.api.upsertUser({ user: { userId: "42", name: "Ada" }, actor: "hr" });
  expect(r.devices).toEqual([
    { deviceId: "d1", ok: false, pending: false, error: "the device has no free user slot" },
    { deviceId: "d2", ok: false, pending: true, error: "device is BACKING_OFF" },
  ]);
  expect(t.place.journal.outbox.pending("d1")).toBe(0);
  expect(t.place.journal.outbox.next("d2")).toMatchObject({
    attempts: 1,
    lastError: "device is BACKING_OFF",
  });
  expect(t.place.journal.audit.recent(1)[0]).toMatchObject({
    action: "user.upsert.refused",
    target: "42",
    detail: { deviceId: "d1", error: "the device has no free user slot" },
  });
  await s.stop();
});

test("pending changes survive a place restart and are applied when the device is next live", async () => {
  const tmp = tempDir();
  const config = testConfig(tmp.dir);
  const first = await startPlace(config, quietLog);
  const api = createChannelClient(PlaceServiceDefinition, first.address);
  const r = await api.client.upsertUser({ user: { userId: "7", name: "Eve" }, actor: "hr" });
  expect(r.devices.every((d) => d.pending)).toBe(true);
  api.close();
  await first.shutdown(1_000);

  const second = await startPlace(config, quietLog);
  const link = createChannelClient(SupervisorLinkServiceDefinition, second.address);
  try {
    const s = fakeSupervisor(
      link.client,
      "s1",
      () => ({ ok: true }),
      () => true,
    );
    await s.assignments.next();
    const sent = [summary(await s.commands.next()), summary(await s.commands.next())].sort();
    expect(sent).toEqual(["d1 upsert 7 Eve", "d2 upsert 7 Eve"]);
    await eventually(
      "outboxes empty",
      () => second.journal.outbox.pending("d1") + second.journal.outbox.pending("d2") === 0,
      { timeoutMs: 5_000 },
    );
    await s.stop();
  } finally {
    link.close();
    await second.shutdown(1_000);
    tmp.remove();
  }
});
