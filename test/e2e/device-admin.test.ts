import { Privilege } from "@biometricflow/proto";
import { Privilege as ZkPrivilege } from "@biometricflow/zk";
import { expectExactlyOnce, expectJournalMatches, punchKey, readTruth, type Site } from "../support/site.js";
import { startSupervisedSite, type SupervisedSite } from "../support/supervised-site.js";

// Commands from the place's API down to the devices, through the supervisor: users are written to
// every device (read back over the ZK protocol); a device log is cleared only with its serial, and
// only after every punch on it is in the journal.
jest.setTimeout(60_000);

const INVALID_ARGUMENT = 3; // gRPC status code

let running: SupervisedSite | undefined;
let site: Site;

beforeAll(async () => {
  running = await startSupervisedSite({ id: "admin", devices: 2, records: 2_000, seed: 51 });
  site = running.site;
});
afterAll(() => running?.stop());

test("UpsertUser on the place reaches every device; a second upsert updates the same slot; DeleteUser removes it", async () => {
  const api = site.place.client;
  const user = {
    userId: "E2E-0042",
    name: "Ada Lovelace",
    privilege: Privilege.PRIVILEGE_ADMIN,
    card: 4_200_042,
  };
  const first = await api.upsertUser({
    user: { ...user, disabled: false, updatedAt: undefined },
    password: "1234",
    actor: "e2e",
  });
  expect(first.devices.map((d) => [d.deviceId, d.ok, d.error])).toEqual(
    site.deviceIds.map((id) => [id, true, ""]),
  );

  const slots: number[] = [];
  for (const d of site.sim.devices) {
    const onDevice = (await site.sim.readUsers(d.index)).filter((u) => u.userId === user.userId);
    expect(onDevice).toEqual([
      expect.objectContaining({
        name: user.name,
        card: user.card,
        privilege: ZkPrivilege.admin,
        password: "1234",
      }),
    ]);
    slots.push(onDevice[0]!.uid);
  }

  // The same badge again, renamed and disabled: one record per device, in the same slot.
  const second = await api.upsertUser({
    user: { ...user, name: "Ada King", disabled: true, updatedAt: undefined },
    password: "",
    actor: "e2e",
  });
  expect(second.devices.every((d) => d.ok)).toBe(true);
  for (const d of site.sim.devices) {
    const onDevice = (await site.sim.readUsers(d.index)).filter((u) => u.userId === user.userId);
    expect(onDevice).toEqual([
      expect.objectContaining({
        uid: slots[d.index],
        name: "Ada King",
        password: "1234",
        privilege: ZkPrivilege.admin | 1,
      }),
    ]);
  }
  expect((await api.listUsers({})).users).toEqual([
    expect.objectContaining({ userId: user.userId, name: "Ada King" }),
  ]);

  const deleted = await api.deleteUser({ userId: user.userId, actor: "e2e" });
  expect(deleted.devices.every((d) => d.ok)).toBe(true);
  for (const d of site.sim.devices) {
    expect((await site.sim.readUsers(d.index)).some((u) => u.userId === user.userId)).toBe(false);
  }
});

test("ClearDeviceLog: refused without the device's serial; with it, the log is stored, then cleared", async () => {
  const api = site.place.client;
  const before = await expectExactlyOnce(site);
  const [target] = site.deviceIds as [string];
  const serial = site.sim.device(0).serial;

  await expect(
    api.clearDeviceLog({
      deviceId: target,
      confirmSerial: site.sim.device(1).serial,
      actor: "e2e",
      reason: "test",
    }),
  ).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringMatching(/serial/) });
  await expect(
    api.clearDeviceLog({ deviceId: target, confirmSerial: "", actor: "e2e", reason: "test" }),
  ).rejects.toMatchObject({
    code: INVALID_ARGUMENT,
  });
  expect((await site.sim.info(0)).records).toBe(before.logLengths[0]);

  // Punches made just before the clear are read and stored before the log goes.
  const late = [await site.sim.punch(0, { punch: 4 }), await site.sim.punch(0, { punch: 5 })];
  const cleared = await api.clearDeviceLog({
    deviceId: target,
    confirmSerial: serial,
    actor: "e2e",
    reason: "log full",
  });
  expect(cleared.cleared).toBe(before.logLengths[0]! + late.length);
  expect((await site.sim.info(0)).records).toBe(0);
  expect((await site.sim.info(1)).records).toBe(before.logLengths[1]);

  const expected = new Set([
    ...before.keys,
    ...late.map((r) => punchKey(serial, r.userId, r.timestamp, r.punch)),
  ]);
  expectJournalMatches(await site.place.journal(), expected, "after the clear");

  // The cleared device keeps working: what is punched next arrives once, nothing older again.
  for (let i = 0; i < 3; i++) await site.sim.punch(0);
  const after = await readTruth(site);
  expect(after.logLengths[0]).toBe(3);
  await expectExactlyOnce(site, { expectedKeys: new Set([...expected, ...after.keys]) });
});
