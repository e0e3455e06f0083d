import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "../support/paths.js";
import { expectExactlyOnce, startSite, stopSites, type Site } from "../support/site.js";
import { supervisorProcess } from "../support/supervisor.js";

// Simulated devices, two places and one supervisor, each a real process: every punch on the
// devices ends in its place's journal exactly once.
jest.setTimeout(120_000);

let work: ReturnType<typeof workDir>;
const sites: Site[] = [];
let supervisor: ServiceProcess | undefined;

beforeAll(() => (work = workDir("exactly-once")));
afterAll(async () => {
  await supervisor?.stop();
  await stopSites(sites);
  work.remove();
});

test("two places, five devices, one supervisor: the journals hold every device punch once", async () => {
  sites.push(await startSite({ id: "north", dir: work.dir, devices: 3, records: 3_000, seed: 11 }));
  sites.push(
    await startSite({
      id: "south",
      dir: work.dir,
      devices: 2,
      records: 1_500,
      seed: 12,
      timezone: "Asia/Kolkata",
    }),
  );
  supervisor = supervisorProcess({ dir: work.dir, places: sites.map((s) => s.place.address) });
  await supervisor.start();

  for (const site of sites) {
    const truth = await expectExactlyOnce(site);
    expect(truth.keys.size).toBeGreaterThan(site.sim.devices.length * 1_000);
  }

  // Punches made after the first sync (live capture, or the next pull) arrive once as well.
  for (const site of sites)
    for (const d of site.sim.devices) for (let i = 0; i < 5; i++) await site.sim.punch(d.index);
  for (const site of sites) await expectExactlyOnce(site);
});
