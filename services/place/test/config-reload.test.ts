import { ConfigError } from "@biometricflow/config";
import { DeviceState } from "@biometricflow/proto";
import { Status } from "nice-grpc";
import { planReload } from "../src/config-reload/reload-plan.js";
import { fakeSupervisor } from "./fake-supervisor.js";
import { punches, startTestPlace, testConfig, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeEach(async () => (t = await startTestPlace()));
afterEach(() => t.close());

const withDevices = (devices: { id: string; serial: string; host?: string; port?: number }[]) =>
  testConfig("/unused", {
    devices: devices.map((d) => ({ host: "127.0.0.1", ...d })),
    journal: t.config.journal,
  });
const ids = (devices: { device?: { id: string } }[]) => devices.map((d) => d.device?.id);

test("planReload: devices added, removed and changed; restart-only settings refused by name", () => {
  const current = testConfig("/x");
  const next = testConfig("/x", {
    name: "Renamed",
    devices: [
      { id: "d2", serial: "SER-2", host: "10.0.0.2" },
      { id: "d3", serial: "SER-3", host: "127.0.0.1" },
    ],
  });
  const decision = planReload(current, next);
  expect(
    "plan" in decision && {
      added: decision.plan.added.map((d) => d.id),
      removed: decision.plan.removed,
      changed: decision.plan.changed.map((d) => d.id),
      settings: decision.plan.settings,
    },
  ).toEqual({ added: ["d3"], removed: ["d1"], changed: ["d2"], settings: ["name"] });
  expect(planReload(current, testConfig("/x", { timezone: "Africa/Lagos" }))).toEqual({
    refused: expect.stringMatching(/^timezone cannot change while the place runs \(restart bf-place/),
  });
  expect(planReload(current, testConfig("/x", { id: "other", grpc: { port: 1 } }))).toEqual({
    refused: expect.stringMatching(/^id, grpc cannot change/),
  });
});

test("a reload adds and removes devices everywhere: assignment, ListDevices, ingest, the audit", async () => {
  await t.api.upsertUser({ user: { userId: "42", name: "Ada" }, actor: "hr" });
  const s = fakeSupervisor(t.link, "s1");
  expect(ids((await s.assignments.next()).devices)).toEqual(["d1", "d2"]);

  const added = t.place.reload(
    () =>
      withDevices([
        { id: "d1", serial: "SER-1" },
        { id: "d2", serial: "SER-2" },
        { id: "d3", serial: "SER-3" },
      ]),
    "test",
  );
  expect(added).toMatchObject({ outcome: "applied" });
  expect(ids((await s.assignments.next()).devices)).toEqual(["d1", "d2", "d3"]);
  expect(ids((await t.api.listDevices({})).devices)).toEqual(["d1", "d2", "d3"]);
  expect((await t.api.listDevices({})).devices[2]!.status).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    detail: expect.stringMatching(/added to the configuration/),
  });
  await expect(
    t.link.ingestPunches({ deviceId: "d3", deviceSerial: "SER-3", punches: punches(2) }),
  ).resolves.toMatchObject({ stored: 2 });
  // A device new to the place gets its users when it is first live; nothing is deleted on it.
  expect(t.place.journal.outbox.next("d3")).toMatchObject({ userId: "42", op: "upsert" });

  expect(
    t.place.reload(() => withDevices([{ id: "d3", serial: "SER-3", host: "10.0.0.3" }]), "test"),
  ).toMatchObject({
    outcome: "applied",
  });
  const last = await s.assignments.next();
  expect(last.devices.map((d) => [d.device?.id, d.device?.host])).toEqual([["d3", "10.0.0.3"]]);
  expect(ids((await t.api.listDevices({})).devices)).toEqual(["d3"]);
  await expect(
    t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(1) }),
  ).rejects.toMatchObject({ code: Status.NOT_FOUND });
  expect(t.place.journal.outbox.pending("d1")).toBe(0); // its queued changes went with it
  expect(t.place.journal.audit.recent(1)[0]).toMatchObject({
    actor: "config:test",
    action: "place.config.reload",
    target: "test-site",
    detail: { added: [], removed: ["d1", "d2"], changed: ["d3"], settings: [] },
  });
  await s.stop();
});

test("an invalid or restart-only config is refused and the place keeps the old one", async () => {
  const before = (await t.api.listDevices({})).devices;
  const auditBefore = t.place.journal.audit.recent(1);
  const broken = t.place.reload(() => {
    throw new ConfigError(
      "invalid configuration (file p.yaml, variables PLACE_*):\n  devices.0.port: too big",
    );
  }, "test");
  expect(broken).toEqual({
    outcome: "refused",
    error: "invalid configuration (file p.yaml, variables PLACE_*): devices.0.port: too big",
  });
  const moved = t.place.reload(
    () => testConfig("/x", { journal: t.config.journal, timezone: "Asia/Tokyo" }),
    "test",
  );
  expect(moved).toMatchObject({
    outcome: "refused",
    error: expect.stringMatching(/^timezone cannot change/),
  });
  expect((await t.api.listDevices({})).devices).toEqual(before);
  expect((await t.api.getPlace({})).place?.timezone).toBe("Europe/Berlin");
  expect(t.place.journal.audit.recent(1)).toEqual(auditBefore);
  expect(t.place.reload(() => testConfig("/x", { journal: t.config.journal }), "test")).toEqual({
    outcome: "unchanged",
  });
});
