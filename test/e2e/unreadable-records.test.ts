import { DeviceState } from "@biometricflow/proto";
import { eventually } from "../support/poll.js";
import { describeSite, expectExactlyOnce, waitAllLive, type SiteTruth } from "../support/site.js";
import { startSupervisedSite, type SupervisedSite } from "../support/supervised-site.js";

// Records a device cannot give a real time for (zk-protocol.md §4: "a corrupt value can decode to
// an impossible date such as Feb 31"), pulled by a real supervisor into a real place: the good
// punches are journalled exactly once, each bad record is set aside in the place's audit log with
// its bytes, and the device stays LIVE with its later punches flowing.
jest.setTimeout(120_000);

let s: SupervisedSite | undefined;
afterAll(async () => {
  await s?.stop();
});

interface Rejected {
  target: string;
  reason: string;
  rawRecord: string;
}

async function rejectedRecords(site: SupervisedSite["site"]): Promise<Rejected[]> {
  const { entries } = await site.place.client.listAudit({ actionPrefix: "punch.rejected", pageSize: 1000 });
  return entries.map((e) => {
    const detail = JSON.parse(e.detailJson) as { reason: string; rawRecord: string };
    return { target: e.target, reason: detail.reason, rawRecord: detail.rawRecord };
  });
}

/** Each unreadable record of each device is in the audit log exactly once, with its bytes. */
async function expectSetAside(site: SupervisedSite["site"], truth: SiteTruth): Promise<void> {
  const want = truth.unreadable.flatMap((records, i) =>
    records.map((u) => ({
      target: site.deviceIds[i]!,
      reason: expect.stringContaining(`log record ${u.index}: ${u.reason}`) as unknown as string,
      rawRecord: u.bytes,
    })),
  );
  const sortKey = (r: Rejected) => `${r.target} ${r.rawRecord}`;
  const got = await eventually(
    `${want.length} unreadable records in the audit log`,
    async () => {
      const rows = await rejectedRecords(site);
      return rows.length >= want.length && rows;
    },
    { timeoutMs: 30_000, intervalMs: 100, describe: () => describeSite(site) },
  );
  expect([...got].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
    [...want].sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
  );
}

test("corrupt records in a device log are set aside at the place; every good punch is stored once; the device stays LIVE", async () => {
  s = await startSupervisedSite({
    id: "unreadable",
    devices: 2,
    records: 1_200,
    seed: 31,
    // Positions 100 and 777 of every device's seeded log hold an impossible time (Feb 31).
    corruptRecords: [100, 777],
  });
  const { site } = s;

  // The first pull crossed both bad records: the cursor is at each log's end, past them.
  const truth = await expectExactlyOnce(site);
  expect(truth.unreadable.map((u) => u.map((r) => r.index))).toEqual([
    [100, 777],
    [100, 777],
  ]);
  expect(truth.logLengths).toEqual([1_200, 1_200]);
  await expectSetAside(site, truth);
  await waitAllLive(site);

  // A record corrupted later, at the end of device 0's log, then good punches after it: the next
  // pull goes past it too, and the punches after it arrive.
  const planted = await site.sim.corruptRecord(0);
  expect(planted.index).toBe(1_200);
  for (let k = 0; k < 3; k++) await site.sim.punch(0);
  await site.place.client.triggerPull({ deviceId: site.deviceIds[0]! }, { deadline: 30_000 });
  const after = await expectExactlyOnce(site);
  expect(after.logLengths).toEqual([1_204, 1_200]);
  expect(after.unreadable[0]!.map((u) => u.bytes)).toContain(planted.bytes);
  await expectSetAside(site, after);

  const { devices } = await site.place.client.listDevices({});
  expect(devices.map((d) => DeviceState[d.status?.state ?? 0])).toEqual([
    "DEVICE_STATE_LIVE",
    "DEVICE_STATE_LIVE",
  ]);
});
