import { Status } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb";
import { createChannel, createClient } from "nice-grpc";
import {
  PlaceServiceDefinition,
  SupervisorLinkServiceDefinition,
  type Privilege,
} from "@biometricflow/proto";
import { punches, startTestPlace, take, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeAll(async () => (t = await startTestPlace()));
afterAll(() => t.close());

const code = (c: Status) => expect.objectContaining({ code: c, details: expect.stringMatching(/\w/) });

test("GetPlace: the site and the journal head", async () => {
  expect(await t.api.getPlace({})).toMatchObject({
    place: { id: "test-site", name: "Test site", timezone: "Europe/Berlin", rules: { shiftStart: "08:00" } },
    headOffset: 0,
  });
});

test("ListPunches pages by token through a UTC range with filters", async () => {
  await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(25, { user: "7" }) });
  await t.link.ingestPunches({ deviceId: "d2", deviceSerial: "SER-2", punches: punches(5, { user: "8" }) });
  const seen: number[] = [];
  let pageToken = "";
  do {
    const page = await t.api.listPunches({ pageSize: 10, pageToken, userId: "7" });
    seen.push(...page.punches.map((p) => p.offset));
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  // Berlin is UTC+2 in May: 08:00-08:04 local is 06:00-06:04Z, and `to` is exclusive.
  const range = await t.api.listPunches({
    from: new Date("2024-05-06T06:00:00Z"),
    to: new Date("2024-05-06T06:05:00Z"),
    deviceId: "d2",
  });
  expect(range.punches.map((p) => [p.userId, p.punchedAt?.toISOString()])).toEqual(
    [0, 1, 2, 3, 4].map((i) => ["8", `2024-05-06T06:0${i}:00.000Z`]),
  );
  expect(range.nextPageToken).toBe("");
});

test.each([
  ["ListPunches, bad page token", () => t.api.listPunches({ pageToken: "bm9wZQ" })],
  ["ListPunches, page too big", () => t.api.listPunches({ pageSize: 10_001 })],
  ["ListPunches, from after to", () => t.api.listPunches({ from: new Date(2000), to: new Date(1000) })],
  ["UpsertUser, no user", () => t.api.upsertUser({ actor: "admin" })],
  ["UpsertUser, no actor", () => t.api.upsertUser({ user: { userId: "1" } })],
  ["UpsertUser, id too long", () => t.api.upsertUser({ user: { userId: "1".repeat(25) }, actor: "a" })],
  [
    "UpsertUser, unknown privilege",
    () => t.api.upsertUser({ user: { userId: "1", privilege: 9 as Privilege }, actor: "a" }),
  ],
  [
    "ClearDeviceLog, wrong serial",
    () => t.api.clearDeviceLog({ deviceId: "d1", confirmSerial: "SER-2", actor: "a" }),
  ],
  ["ClearDeviceLog, no serial", () => t.api.clearDeviceLog({ deviceId: "d1", actor: "a" })],
  ["IngestPunches, no serial", () => t.link.ingestPunches({ deviceId: "d1", punches: punches(1) })],
  ["Attach, no supervisor id", () => take(t.link.attach({}), 1)],
  ["ReportDeviceStatus, no status", () => t.link.reportDeviceStatus({})],
  ["RecordAudit, no action", () => t.link.recordAudit({ actor: "supervisor:s1" })],
])("%s -> INVALID_ARGUMENT with a message", async (_name, call) => {
  await expect(call()).rejects.toEqual(code(Status.INVALID_ARGUMENT));
});

test.each([
  ["DeleteUser, unknown user", () => t.api.deleteUser({ userId: "nobody", actor: "a" })],
  ["SyncDeviceTime, unknown device", () => t.api.syncDeviceTime({ deviceId: "d9", actor: "a" })],
  ["TriggerPull, unknown device", () => t.api.triggerPull({ deviceId: "d9" })],
  [
    "ClearDeviceLog, unknown device",
    () => t.api.clearDeviceLog({ deviceId: "d9", confirmSerial: "x", actor: "a" }),
  ],
  [
    "IngestPunches, unknown device",
    () => t.link.ingestPunches({ deviceId: "d9", deviceSerial: "S", punches: punches(1) }),
  ],
  ["ReportDeviceStatus, unknown device", () => t.link.reportDeviceStatus({ status: { deviceId: "d9" } })],
  ["CompleteCommand, unknown command", () => t.link.completeCommand({ commandId: "c-1", ok: true })],
])("%s -> NOT_FOUND with a message", async (_name, call) => {
  await expect(call()).rejects.toEqual(code(Status.NOT_FOUND));
});

test("a refused ingest stores nothing", async () => {
  const { headOffset } = await t.api.getPlace({});
  await expect(
    t.link.ingestPunches({ deviceId: "d1", deviceSerial: "", punches: punches(3, { user: "r" }) }),
  ).rejects.toEqual(code(Status.INVALID_ARGUMENT));
  expect((await t.api.getPlace({})).headOffset).toBe(headOffset);
});

test("bad punches are set aside with their reason, the rest stored, the cursor moved", async () => {
  const { headOffset } = await t.api.getPlace({});
  const batch = punches(5, { user: "q" });
  batch[1] = { ...batch[1]!, punchState: 300 };
  batch[2] = { ...batch[2]!, userId: "" }; // a user-id field that began with NUL on the device
  batch[3] = { ...batch[3]!, localTime: "2200-01-01T08:00:00" }; // past what analytics can hold
  const cursor = { recordsIngested: 5, lastLocalTime: batch[4]!.localTime, lastUserId: "q" };
  const answer = await t.link.ingestPunches({
    deviceId: "d1",
    deviceSerial: "SER-1",
    punches: batch,
    cursor,
  });
  expect(answer).toEqual({ stored: 2, duplicates: 0, rejected: 3, headOffset: headOffset + 2 });
  expect(t.place.journal.devices.cursor("d1")).toMatchObject({ recordsIngested: 5 });
  const kept = t.place.journal.audit.recent(10).filter((e) => e.action === "punch.rejected");
  expect(kept.map((e) => [e.target, (e.detail.reason as string).split(":")[0]])).toEqual([
    ["d1", "punches[3].local_time"],
    ["d1", "punches[2].user_id"],
    ["d1", "punches[1].punch_state"],
  ]);
  expect(kept[0]!.detail).toMatchObject({
    deviceSerial: "SER-1",
    punch: { userId: "q", localTime: "2200-01-01T08:00:00" },
  });
});

test("device commands with no supervisor attached fail fast with UNAVAILABLE", async () => {
  await expect(t.api.triggerPull({ deviceId: "d1" })).rejects.toEqual(code(Status.UNAVAILABLE));
  await expect(t.api.syncDeviceTime({ deviceId: "d1", actor: "a" })).rejects.toEqual(
    code(Status.UNAVAILABLE),
  );
});

test("ListAudit pages the audit log newest first, filtered by action prefix and target", async () => {
  const batch = punches(3, { user: "la" });
  for (const b of batch) b.userId = "";
  await t.link.ingestPunches({ deviceId: "d2", deviceSerial: "SER-2", punches: batch });
  const first = await t.api.listAudit({ actionPrefix: "punch.rej", target: "d2", pageSize: 2 });
  expect(first.entries.map((e) => [e.action, e.target, e.actor])).toEqual([
    ["punch.rejected", "d2", "ingest"],
    ["punch.rejected", "d2", "ingest"],
  ]);
  expect(first.entries[0]!.id).toBeGreaterThan(first.entries[1]!.id);
  expect(JSON.parse(first.entries[0]!.detailJson)).toMatchObject({ deviceSerial: "SER-2" });
  const second = await t.api.listAudit({
    actionPrefix: "punch.rej",
    target: "d2",
    pageSize: 2,
    pageToken: first.nextPageToken,
  });
  expect(second.entries).toHaveLength(1);
  expect(second.nextPageToken).toBe("");
  // A prefix is matched literally: "%" is not a wildcard.
  expect((await t.api.listAudit({ actionPrefix: "%" })).entries).toEqual([]);
  await expect(t.api.listAudit({ pageToken: "nope" })).rejects.toEqual(code(Status.INVALID_ARGUMENT));
  await expect(t.api.listAudit({ pageSize: 5000 })).rejects.toEqual(code(Status.INVALID_ARGUMENT));
});

test("health says SERVING for the server and each service", async () => {
  const channel = createChannel(t.place.address);
  const health = createClient(HealthDefinition, channel);
  for (const service of ["", PlaceServiceDefinition.fullName, SupervisorLinkServiceDefinition.fullName]) {
    expect((await health.check({ service })).status).toBe(1);
  }
  channel.close();
});

test("reflection lists both services", async () => {
  const channel = createChannel(t.place.address);
  const reflection = createClient(ServerReflectionService, channel);
  async function* ask() {
    yield new ServerReflectionRequest().setListServices("*");
  }
  const names = [];
  for await (const a of reflection.serverReflectionInfo(ask())) {
    names.push(
      ...(a
        .getListServicesResponse()
        ?.getServiceList()
        .map((s) => s.getName()) ?? []),
    );
  }
  expect(names.sort()).toEqual([PlaceServiceDefinition.fullName, SupervisorLinkServiceDefinition.fullName]);
  channel.close();
});
