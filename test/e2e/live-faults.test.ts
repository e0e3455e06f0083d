import { PunchSource } from "@biometricflow/proto";
import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";
import {
  describeSite,
  expectJournalMatches,
  readTruth,
  startSite,
  stopSites,
  waitAllLive,
  type Site,
} from "../support/site.js";
import { supervisorProcess } from "../support/supervisor.js";

// Live punches before, during and after a kill -9 of the place. Delivered live punches move the
// cursors without a re-read; those made while the place is away fail fast and the pulls catch them
// up from the cursor: in the end every punch is in the journal exactly once.
jest.setTimeout(120_000);

let work: ReturnType<typeof workDir>;
let site: Site | undefined;
let supervisor: ServiceProcess | undefined;

beforeAll(() => (work = workDir("live-faults")));
afterAll(async () => {
  await supervisor?.stop();
  if (site) await stopSites([site]);
  work.remove();
});

test("live punches around a kill -9 of the place: each stored exactly once", async () => {
  const s = (site = await startSite({
    id: "live-kill",
    dir: work.dir,
    devices: 3,
    records: 200,
    seed: 52,
    pullIntervalSeconds: 5,
  }));
  supervisor = supervisorProcess({ dir: work.dir, places: [s.place.address] });
  await supervisor.start();
  await waitAllLive(s);
  const punchAll = async (state: number): Promise<void> => {
    for (let d = 0; d < 3; d++) await s.sim.punch(d, { punch: state, verify: 1 });
  };

  const before = await s.place.head();
  await punchAll(0);
  await eventually("three live punches in the journal", async () => (await s.place.head()) === before + 3, {
    timeoutMs: 10_000,
    intervalMs: 20,
  });
  const live = (await s.place.journal()).slice(before);
  expect(live.map((p) => p.source)).toEqual(Array(3).fill(PunchSource.PUNCH_SOURCE_DEVICE_LIVE));

  await s.place.stop("SIGKILL");
  await punchAll(1); // the place is away: live delivery fails, the device logs keep them
  await s.place.restart();
  await punchAll(4);

  // The journal catches up on its own (live capture and the pulls), cursors included...
  const truth = await readTruth(s);
  await eventually(
    "every device punch in the journal, every cursor at its log's end",
    async () => {
      const [head, { devices }] = await Promise.all([s.place.head(), s.place.client.listDevices({})]);
      const cursors = s.deviceIds.map(
        (id) => devices.find((d) => d.device?.id === id)?.status?.recordsIngested,
      );
      return head >= truth.keys.size && cursors.every((c, i) => c === truth.logLengths[i]);
    },
    { timeoutMs: 60_000, intervalMs: 100, describe: () => describeSite(s) },
  );
  expectJournalMatches(await s.place.journal(), truth.keys, s.id);
  // ...and a forced pull, once the supervisor is attached again, finds nothing left behind.
  for (const deviceId of s.deviceIds) {
    // Refused (UNAVAILABLE) until the supervisor is attached again: eventually polls through it.
    const { stored } = await eventually(
      `a forced pull of ${deviceId}`,
      () => s.place.client.triggerPull({ deviceId }, { deadline: 30_000 }),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect({ deviceId, stored }).toEqual({ deviceId, stored: 0 });
  }
});
