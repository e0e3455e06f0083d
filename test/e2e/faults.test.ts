import { DeviceState } from "@biometricflow/proto";
import type { ServiceProcess } from "@biometricflow/stack";
import { DeviceWatch } from "../support/device-watch.js";
import { workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";
import {
  describeSite,
  expectExactlyOnce,
  readTruth,
  startSite,
  stopSites,
  type Site,
} from "../support/site.js";
import { supervisorProcess } from "../support/supervisor.js";

// Faults a real site sees — a connection cut in the middle of a log transfer, a device that stops
// answering, a reboot, a clock that jumps — injected into simulator processes. After recovery every
// punch is still in the journal exactly once, and no device is left disabled.
jest.setTimeout(120_000);

const { LIVE, BACKING_OFF } = {
  LIVE: DeviceState.DEVICE_STATE_LIVE,
  BACKING_OFF: DeviceState.DEVICE_STATE_BACKING_OFF,
};

let work: ReturnType<typeof workDir>;
const sites: Site[] = [];
const watches: DeviceWatch[] = [];
const supervisors: ServiceProcess[] = [];

beforeAll(() => (work = workDir("faults")));
afterAll(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  for (const s of supervisors) await s.stop();
  await stopSites(sites);
  work.remove();
});

async function punchEach(site: Site, index: number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await site.sim.punch(index);
}

async function expectAllEnabled(site: Site): Promise<void> {
  for (const d of site.sim.devices)
    expect({ device: d.index, enabled: (await site.sim.info(d.index)).enabled }).toEqual({
      device: d.index,
      enabled: true,
    });
}

test("faults set per device through the control API: drop mid-transfer, stall, reboot, clock jumps", async () => {
  // 5,000 records = 200 KB per log: a pull is a multi-chunk transfer that a fault can interrupt.
  const site = await startSite({ id: "faulty", dir: work.dir, devices: 4, records: 5_000, seed: 21 });
  sites.push(site);
  const [dropId, stallId, rebootId, clockId] = site.deviceIds as [string, string, string, string];
  const watch = new DeviceWatch(site.place);
  watches.push(watch);
  const waitFor = (what: string, deviceId: string, check: () => unknown) =>
    eventually(`${deviceId}: ${what}`, check, {
      timeoutMs: 30_000,
      describe: async () => `${watch.describe(deviceId)} | ${await describeSite(site)}`,
    });

  // Armed before the supervisor's first connection: its first pull of devices 0 and 1 meets them.
  await site.sim.setFaults(0, "drop-after=60000:always"); // every transfer is cut after 60 KB
  await site.sim.setFaults(1, "stall=12"); // every session goes silent after 12 requests
  const supervisor = supervisorProcess({ dir: work.dir, places: [site.place.address] });
  supervisors.push(supervisor);
  await supervisor.start();

  // Device 0: the cut transfer fails the pull (the client's resumes run out); punches keep coming.
  await waitFor("pull failed by the cut transfer", dropId, () => watch.find(dropId, BACKING_OFF));
  await punchEach(site, 0, 3);
  // Device 1: a silent device times out and is backed off from, with punches made meanwhile.
  await waitFor("stalled session noticed", stallId, () =>
    watch.find(stallId, BACKING_OFF, 0, /no reply|timed? ?out/i),
  );
  await punchEach(site, 1, 3);

  // Device 2: live, then rebooted (sessions and the event registration lost) with punches made
  // while it is down: live capture cannot have seen them, the catch-up after reconnecting must.
  await waitFor("live", rebootId, () => watch.current(rebootId) === LIVE);
  await punchEach(site, 2, 2);
  const rebootedAt = Date.now();
  await site.sim.reboot(2, 1_500);
  await punchEach(site, 2, 3);
  await waitFor("reboot noticed", rebootId, () => watch.find(rebootId, BACKING_OFF, rebootedAt));

  // Device 3: the clock jumps two hours ahead, then a day back; punches carry the jumped times.
  await waitFor("live", clockId, () => watch.current(clockId) === LIVE);
  await site.sim.shiftClock(3, 2 * 3600);
  await punchEach(site, 3, 3);
  await site.sim.shiftClock(3, -26 * 3600);
  await punchEach(site, 3, 3);

  // Recovery: the faults go away; every device comes back live (device 2 once its reboot is over).
  await site.sim.clearFaults(0);
  await site.sim.clearFaults(1);
  for (const id of site.deviceIds) await waitFor("live again", id, () => watch.current(id) === LIVE);
  const truth = await expectExactlyOnce(site);
  await expectAllEnabled(site);
  expect(truth.keys.size).toBeGreaterThan(4 * 4_000);

  // The jumped clock's punches are there under the device's own wall-clock times.
  const log = await site.sim.readLog(3);
  const jumped = log.slice(-6).map((r) => r.timestamp);
  const stored = new Set(
    (await site.place.journal()).filter((p) => p.deviceId === clockId).map((p) => p.localTime),
  );
  expect(jumped.filter((t) => !stored.has(t))).toEqual([]);
});

test("--fault on the whole simulator: periodic reboots, corrupt packets, a cut transfer, punches meanwhile", async () => {
  const site = await startSite({
    id: "flaky",
    dir: work.dir,
    devices: 3,
    records: 4_000,
    seed: 22,
    // A chunk is ~64 packets: one corrupt packet in 400 leaves most chunks whole, and retries work.
    fault: "reboot=3,corrupt-checksum=400,drop-after=50000",
  });
  sites.push(site);
  const watch = new DeviceWatch(site.place);
  watches.push(watch);
  const supervisor = supervisorProcess({ id: "e2e-flaky", dir: work.dir, places: [site.place.address] });
  supervisors.push(supervisor);
  await supervisor.start();

  // Punch while the devices reboot under the supervisor, until each has been knocked out twice
  // and caught up in between.
  await eventually(
    "every device backed off twice (rebooted under the supervisor) and live in between",
    async () => {
      for (const d of site.sim.devices) await site.sim.punch(d.index);
      return site.deviceIds.every((id) => {
        const h = watch.history(id);
        const firstLive = h.findIndex((s) => s.state === LIVE);
        return firstLive >= 0 && h.slice(firstLive).filter((s) => s.state === BACKING_OFF).length >= 2;
      });
    },
    {
      timeoutMs: 40_000,
      intervalMs: 200,
      describe: () => site.deviceIds.map((id) => watch.describe(id)).join(" || "),
    },
  );
  for (const d of site.sim.devices) await site.sim.clearFaults(d.index);
  const truth = await readTruth(site);
  expect(truth.keys.size).toBeGreaterThan(3 * 3_000);
  await expectExactlyOnce(site);
  await expectAllEnabled(site);
});
