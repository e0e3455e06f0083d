import { PunchSource, type Punch } from "@biometricflow/proto";
import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";
import { startSite, stopSites, waitAllLive, type Site } from "../support/site.js";
import { supervisorProcess } from "../support/supervisor.js";

// A punch on a device's keypad reaches a WatchPunches subscriber of its place through live
// capture: the pull interval is an hour, so nothing but the realtime path can deliver it in time.
jest.setTimeout(60_000);

let work: ReturnType<typeof workDir>;
let site: Site | undefined;
let supervisor: ServiceProcess | undefined;

beforeAll(() => (work = workDir("realtime")));
afterAll(async () => {
  await supervisor?.stop();
  if (site) await stopSites([site]);
  work.remove();
});

test("a live punch on a simulated device reaches a WatchPunches subscriber, with its content", async () => {
  site = await startSite({
    id: "live",
    dir: work.dir,
    devices: 2,
    records: 300,
    seed: 41,
    pullIntervalSeconds: 3600,
  });
  supervisor = supervisorProcess({
    dir: work.dir,
    places: [site.place.address],
    env: { SUPERVISOR_DEVICE__PROBE_INTERVAL_SECONDS: "600" },
  });
  await supervisor.start();
  await waitAllLive(site);
  const s = site;

  // Subscribe from the current head: only new punches follow.
  const from = await s.place.head();
  const received: { punch: Punch; at: number }[] = [];
  const abort = new AbortController();
  const subscription = (async () => {
    for await (const msg of s.place.client.watchPunches({ fromOffset: from }, { signal: abort.signal })) {
      for (const punch of msg.punches) received.push({ punch, at: Date.now() });
    }
  })().catch(() => undefined);

  try {
    const users = await s.sim.readUsers(1);
    const punches = [];
    for (const [device, user, state] of [
      [1, users[3]!.userId, 4], // OT-in
      [0, users[5]!.userId, 1], // check-out
      [1, users[3]!.userId, 5], // OT-out
    ] as const) {
      const sentAt = Date.now();
      const record = await s.sim.punch(device, { userId: user, punch: state, verify: 15 });
      punches.push({ device, record, sentAt });
    }
    await eventually("the three punches at the subscriber", () => received.length >= punches.length, {
      timeoutMs: 10_000,
      intervalMs: 5,
    });
    expect(received).toHaveLength(punches.length);
    for (const [i, { device, record, sentAt }] of punches.entries()) {
      const { punch, at } = received[i]!;
      expect(punch).toMatchObject({
        placeId: "live",
        deviceId: s.deviceIds[device],
        deviceSerial: s.sim.device(device).serial,
        userId: record.userId,
        localTime: record.timestamp,
        punchState: record.punch,
        verifyMethod: 15,
        source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE,
        offset: from + i + 1,
      });
      // The site is in Africa/Lagos (UTC+1 all year): the instant is the wall clock minus one hour.
      expect(punch.punchedAt?.toISOString()).toBe(
        new Date(Date.parse(`${record.timestamp}Z`) - 3_600_000).toISOString(),
      );
      expect(at - sentAt).toBeLessThan(5_000);
    }
  } finally {
    abort.abort();
    await subscription;
  }
});
