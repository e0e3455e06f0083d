import { DeviceState, Privilege } from "@biometricflow/proto";
import { eventually } from "../support/poll.js";
import { describeSite, waitAllLive, type Site } from "../support/site.js";
import { startSupervisedSite, type SupervisedSite } from "../support/supervised-site.js";

// A user change made while a device is unreachable waits in the place's journal and reaches the
// device once it is back; users enrolled on the device itself are never touched.
jest.setTimeout(90_000);

let running: SupervisedSite | undefined;
let site: Site;

beforeAll(async () => {
  running = await startSupervisedSite({ id: "outbox", devices: 2, records: 200, seed: 61 });
  site = running.site;
});
afterAll(() => running?.stop());

/** Device 1 refuses connections and drops its sessions: the supervisor backs off. */
async function takeDown(): Promise<void> {
  await site.sim.setFaults(1, "refuse");
  await site.sim.reboot(1);
  await eventually(
    "device 1 not live at the place",
    async () => {
      const { devices } = await site.place.client.listDevices({});
      const state = devices.find((d) => d.device?.id === site.deviceIds[1])?.status?.state;
      return state === DeviceState.DEVICE_STATE_BACKING_OFF;
    },
    { describe: () => describeSite(site) },
  );
}

const badges = async (i: number): Promise<string[]> => (await site.sim.readUsers(i)).map((u) => u.userId);

test("upsert and delete while a device is down are pending, then applied when it is back", async () => {
  const api = site.place.client;
  const [id0, id1] = site.deviceIds as [string, string];
  // Enrolled at the terminal, unknown to the place: must survive everything below.
  await site.sim.withClient(1, (c) =>
    c.setUser({ uid: 900, userId: "LOCAL-1", name: "Local", privilege: 0, password: "", card: 0, group: 1 }),
  );

  await takeDown();
  const user = { userId: "OUT-7", name: "Grace", privilege: Privilege.PRIVILEGE_USER, card: 77 };
  const upserted = await api.upsertUser({ user: { ...user, disabled: false }, password: "", actor: "e2e" });
  expect(upserted.devices.map((d) => [d.deviceId, d.ok, d.pending])).toEqual([
    [id0, true, false],
    [id1, false, true],
  ]);
  expect(upserted.devices[1]!.error).toMatch(/BACKING_OFF/);
  expect(await badges(0)).toContain("OUT-7");

  await site.sim.clearFaults(1);
  await eventually("the user on device 1 once it is back", async () => (await badges(1)).includes("OUT-7"), {
    describe: () => describeSite(site),
  });
  expect((await site.sim.readUsers(1)).find((u) => u.userId === "OUT-7")).toMatchObject({
    name: "Grace",
    card: 77,
  });
  await waitAllLive(site);

  await takeDown();
  const deleted = await api.deleteUser({ userId: "OUT-7", actor: "e2e" });
  expect(deleted.devices.map((d) => [d.deviceId, d.ok, d.pending])).toEqual([
    [id0, true, false],
    [id1, false, true],
  ]);
  expect(await badges(0)).not.toContain("OUT-7");
  await site.sim.clearFaults(1);
  await eventually("the user gone from device 1", async () => !(await badges(1)).includes("OUT-7"), {
    describe: () => describeSite(site),
  });
  expect(await badges(1)).toContain("LOCAL-1");
});
