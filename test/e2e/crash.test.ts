import type { ServiceProcess } from "@biometricflow/stack";
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

// kill -9 of the supervisor, then of a place, while a large backlog is being ingested; after a
// restart every device punch is in the journal exactly once. The kill lands as soon as the journal
// head starts moving, so the first batches are stored and the rest are not.
jest.setTimeout(120_000);

const DEVICES = 3;
const RECORDS = 30_000;

let work: ReturnType<typeof workDir>;
const sites: Site[] = [];
const supervisors: ServiceProcess[] = [];

beforeAll(() => (work = workDir("crash")));
afterAll(async () => {
  for (const s of supervisors) await s.stop();
  await stopSites(sites);
  work.remove();
});

async function bigSite(id: string, seed: number): Promise<Site> {
  const site = await startSite({ id, dir: work.dir, devices: DEVICES, records: RECORDS, seed });
  sites.push(site);
  return site;
}

function startSupervisor(site: Site, id: string): ServiceProcess {
  // Batches of 2,000: a device's backlog takes many acknowledged steps, so a kill lands between them.
  const s = supervisorProcess({
    id,
    dir: work.dir,
    places: [site.place.address],
    env: { SUPERVISOR_INGEST__BATCH_SIZE: "2000" },
  });
  supervisors.push(s);
  return s;
}

/** Poll the head every few milliseconds; resolves with the first non-zero head. */
function headStartsMoving(site: Site): Promise<number> {
  return eventually(
    `${site.id}: the journal head to move`,
    async () => (await site.place.head()) || undefined,
    {
      timeoutMs: 30_000,
      intervalMs: 5,
    },
  );
}

test("kill -9 of the supervisor mid-ingest, then a restart: exactly once", async () => {
  const site = await bigSite("sup-crash", 31);
  const total = (await readTruth(site)).keys.size;
  const supervisor = startSupervisor(site, "e2e-sup-crash");
  const ready = supervisor.start();
  const moving = await headStartsMoving(site);
  await supervisor.stop("SIGKILL");
  await ready.catch(() => undefined); // READY may or may not have been printed before the kill
  const atKill = await site.place.head();
  // Really mid-ingest: some of the backlog is stored, most is not.
  expect(moving).toBeGreaterThan(0);
  expect(atKill).toBeLessThan(total / 2);

  await supervisor.start();
  await expectExactlyOnce(site, { timeoutMs: 90_000 });
  for (const d of site.sim.devices) expect((await site.sim.info(d.index)).enabled).toBe(true);
});

test("kill -9 of a place mid-ingest, restart on the same journal: exactly once", async () => {
  const site = await bigSite("place-crash", 32);
  const total = (await readTruth(site)).keys.size;
  const supervisor = startSupervisor(site, "e2e-place-crash");
  const ready = supervisor.start();
  const moving = await headStartsMoving(site);
  await site.place.stop("SIGKILL");
  expect(moving).toBeGreaterThan(0);

  // The supervisor keeps trying while the place is away; the place comes back on the same port
  // and journal, and the cursors it hands out are where its last committed batch left them.
  await site.place.restart();
  const atRestart = await site.place.head();
  expect(atRestart).toBeGreaterThanOrEqual(moving);
  expect(atRestart).toBeLessThan(total / 2);
  await ready;
  await expectExactlyOnce(site, { timeoutMs: 90_000 });
  expect(await describeSite(site)).not.toMatch(/BACKING_OFF|FAILED/);
});
