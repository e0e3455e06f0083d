// A device log holding records no client can decode (an impossible time, zk-protocol.md §4),
// read with ZkClient from the real simulator over real sockets: every readable record comes back,
// every unreadable one is reported with its position and bytes, and nothing is silently left out.
import type { ZkClient } from "../../src/client/index.js";
import { ZkUnreadableRecordsError, decodeAttendanceRecords } from "../../src/protocol/index.js";
import type { DeviceServer } from "../../src/simulator/index.js";
import { simulatorFixtures, zkRejection } from "./helpers.js";

jest.setTimeout(20_000);

const sim = simulatorFixtures();
const open = (d: DeviceServer, transport: "tcp" | "udp" = "tcp"): Promise<ZkClient> =>
  sim.connected(d, { transport });

describe.each([
  ["modern", "tcp"],
  ["old", "udp"],
] as const)("a %s device over %s with a corrupt record in the middle", (profile, transport) => {
  let d: DeviceServer;
  let good: ReturnType<DeviceServer["state"]["attendance"]>;
  beforeAll(async () => {
    d = await sim.device({ seed: 7, users: 20, records: 3_000, profile, preload: true });
    good = d.state.attendance();
    const size = d.state.format.attendanceSize;
    const before = Buffer.from(d.state.attendanceBytes().subarray(1_234 * size, 1_235 * size));
    const planted = d.plantCorruptRecord({ index: 1_234 });
    expect(planted.index).toBe(1_234);
    // The planted record is the old one with only its 4 time bytes replaced.
    const after = Buffer.from(planted.bytes, "hex");
    const at = size === 40 ? 27 : 4;
    expect(after.subarray(0, at)).toEqual(before.subarray(0, at));
    expect(after.subarray(at + 4)).toEqual(before.subarray(at + 4));
  });

  test("getAttendanceLog returns the others as they were and the corrupt one with its bytes", async () => {
    const client = await open(d, transport);
    const log = await client.getAttendanceLog();
    expect(log.records).toEqual([...good.slice(0, 1_234), ...good.slice(1_235)]);
    const size = d.state.format.attendanceSize;
    expect(log.recordSize).toBe(size);
    expect(log.unreadable).toEqual([
      {
        index: 1_234,
        bytes: d.state.attendanceBytes().toString("hex", 1_234 * size, 1_235 * size),
        reason: expect.stringMatching(/impossible date/),
      },
    ]);
    expect(() => decodeAttendanceRecords(Buffer.from(log.unreadable[0]!.bytes, "hex"), 1)).toThrow(
      /impossible date/,
    );
    expect(d.state.enabled).toBe(true);
  });

  test("getAttendance refuses a short list: the error names the record and carries the whole log", async () => {
    const client = await open(d, transport);
    const err = await zkRejection(client.getAttendance());
    expect(err).toBeInstanceOf(ZkUnreadableRecordsError);
    expect(err.kind).toBe("protocol");
    expect(err.command).toBe("CMD_ATTLOG_RRQ");
    expect(err.message).toMatch(
      /1 of 3000 attendance records could not be read .*record 1234 \(bytes [0-9a-f]+\)/,
    );
    const { log } = err as ZkUnreadableRecordsError;
    expect(log.records).toHaveLength(2_999);
    expect(log.unreadable.map((u) => u.index)).toEqual([1_234]);
    // The session is still good: the next command works, and the keypad was enabled again.
    expect((await client.getSizes()).records).toBe(3_000);
    expect(d.state.enabled).toBe(true);
  });
});

test("an appended corrupt record: later punches are read after it, positions line up", async () => {
  const d = await sim.device({ seed: 8, users: 5, records: 10, preload: true });
  const planted = d.plantCorruptRecord({ timeValue: 0xffffffff });
  const later = d.punch({ timestamp: "2024-05-06T09:10:11" });
  const client = await open(d);
  const log = await client.getAttendanceLog();
  expect(planted.index).toBe(10);
  expect(log.unreadable).toEqual([
    {
      index: 10,
      bytes: planted.bytes,
      reason: expect.stringMatching(/0xffffffff decodes to an impossible date/),
    },
  ]);
  expect(log.records).toHaveLength(11);
  expect(log.records.at(-1)).toEqual(later);
  expect(d.state.attendanceLog()).toEqual(log);
});

test("the simulator refuses to plant a time that is not corrupt, or a position the log lacks", async () => {
  const d = await sim.device({ seed: 9, users: 5, records: 3, preload: true });
  expect(() => d.plantCorruptRecord({ timeValue: 0 })).toThrow(/valid time 2000-01-01T00:00:00/);
  expect(() => d.plantCorruptRecord({ index: 3 })).toThrow(/no attendance record 3; the log holds 0..2/);
  // Planting twice in place leaves an already corrupt record as it is.
  const first = d.plantCorruptRecord({ index: 1 });
  expect(d.plantCorruptRecord({ index: 1 })).toEqual(first);
  expect(d.state.recordCount).toBe(3);
});
