import { PunchSource } from "@biometricflow/proto";
import { punches, startTestPlace, take, type TestPlace } from "./helpers.js";

let t: TestPlace;
beforeEach(async () => (t = await startTestPlace()));
afterEach(() => t.close());

const live = (n: number, start: string) =>
  punches(n, { start, source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE });

test("IngestPunchBatch stores several devices' punches; a bad group is refused alone", async () => {
  const cursor = { recordsIngested: 9, lastLocalTime: "2024-05-06T09:01:00", lastUserId: "u1" };
  const answer = await t.link.ingestPunchBatch({
    supervisorId: "s1",
    devices: [
      { deviceId: "d1", deviceSerial: "SER-1", punches: live(2, "2024-05-06T09:00:00"), cursor },
      { deviceId: "nope", deviceSerial: "SER-9", punches: live(1, "2024-05-06T09:00:00"), cursor: undefined },
      { deviceId: "d2", deviceSerial: "SER-2", punches: live(1, "2024-05-06T09:00:00"), cursor: undefined },
      // The same punch again in the same call: stored once.
      { deviceId: "d1", deviceSerial: "SER-1", punches: live(1, "2024-05-06T09:00:00"), cursor: undefined },
    ],
  });
  expect(answer).toEqual({
    results: [
      { stored: 2, duplicates: 0, rejected: 0, error: "" },
      { stored: 0, duplicates: 0, rejected: 0, error: 'device "nope" is not a device of this place' },
      { stored: 1, duplicates: 0, rejected: 0, error: "" },
      { stored: 0, duplicates: 1, rejected: 0, error: "" },
    ],
    headOffset: 3,
  });
  expect(t.place.journal.devices.cursor("d1")).toEqual(cursor);
  const [page] = await take(t.api.watchPunches({ fromOffset: 0 }), 1);
  expect(page!.punches.map((p) => [p.deviceId, p.userId, p.source])).toEqual([
    ["d1", "u0", PunchSource.PUNCH_SOURCE_DEVICE_LIVE],
    ["d1", "u1", PunchSource.PUNCH_SOURCE_DEVICE_LIVE],
    ["d2", "u0", PunchSource.PUNCH_SOURCE_DEVICE_LIVE],
  ]);
});

test("a cursor-only group moves the device's cursor", async () => {
  const cursor = { recordsIngested: 40, lastLocalTime: "2024-05-06T10:00:00", lastUserId: "u7" };
  const answer = await t.link.ingestPunchBatch({
    supervisorId: "s1",
    devices: [{ deviceId: "d2", deviceSerial: "SER-2", punches: [], cursor }],
  });
  expect(answer.results).toEqual([{ stored: 0, duplicates: 0, rejected: 0, error: "" }]);
  expect(t.place.journal.devices.cursor("d2")).toEqual(cursor);
});

test("concurrent IngestPunches calls are committed together and each answered after the commit", async () => {
  const calls = Array.from({ length: 20 }, (_, i) =>
    t.link.ingestPunches({
      deviceId: i % 2 ? "d1" : "d2",
      deviceSerial: `SER-${i}`,
      punches: punches(5, { start: `2024-05-06T0${i % 10}:00:00` }),
      cursor: undefined,
    }),
  );
  const answers = await Promise.all(calls);
  expect(answers.every((a) => a.stored === 5 && a.duplicates === 0)).toBe(true);
  // Each answer's head holds that call's punches; all 100 are in the journal.
  expect(t.place.journal.punches.head()).toBe(100);
  for (const a of answers) expect(a.headOffset).toBeGreaterThanOrEqual(5);
});
