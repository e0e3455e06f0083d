import { startDevice, type DeviceServer } from "../../src/simulator/index.js";
import { nodeZklib, type ZkLib } from "../../src/reference/node-zklib.js";

/** node-zklib turns the 4-byte time into a host-local Date. */
function localDate(wall: string): Date {
  const [d, t] = wall.split("T") as [string, string];
  const [y, mo, da] = d.split("-").map(Number) as [number, number, number];
  const [h, mi, s] = t.split(":").map(Number) as [number, number, number];
  return new Date(y, mo - 1, da, h, mi, s);
}

let log: jest.SpyInstance;
beforeAll(() => (log = jest.spyOn(console, "log").mockImplementation(() => undefined)));
afterAll(() => log.mockRestore());

async function withZkLib<T>(device: DeviceServer, fn: (zk: ZkLib) => Promise<T>): Promise<T> {
  const zk = nodeZklib(device.host, device.port, 5_000);
  await zk.createSocket();
  try {
    return await fn(zk);
  } finally {
    await zk.disconnect();
  }
}

test("node-zklib reads users and attendance of a small device (one CMD_DATA each)", async () => {
  const device = await startDevice({ seed: 11, users: 8, records: 20 });
  try {
    const state = device.state;
    const { users, records } = await withZkLib(device, async (zk) => ({
      users: await zk.getUsers(),
      records: await zk.getAttendances(),
    }));
    expect(users.err).toBeFalsy();
    expect(users.data.map((u) => ({ uid: u.uid, userId: u.userId, name: u.name, role: u.role }))).toEqual(
      state.users().map((u) => ({ uid: u.uid, userId: u.userId, name: u.name, role: u.privilege })),
    );
    expect(records.err).toBeFalsy();
    expect(records.data.map((r) => [r.userSn, r.deviceUserId, r.recordTime.getTime()])).toEqual(
      state.attendance().map((r) => [r.uid, r.userId, localDate(r.timestamp).getTime()]),
    );
  } finally {
    await device.close();
  }
}, 20_000);

test("node-zklib's chunked read works against a device paced like real hardware", async () => {
  // 3,000 records = 120 kB: two READ_BUFFER chunks of 1008-byte fragments. node-zklib handles
  // one packet per socket read, which real (slow) terminals give it; frameGapMs models that.
  const device = await startDevice({ seed: 12, users: 30, records: 3_000, frameGapMs: 0 });
  try {
    const records = await withZkLib(device, (zk) => zk.getAttendances());
    expect(records.err).toBeFalsy();
    expect(records.data).toHaveLength(3_000);
    expect(records.data.map((r) => r.deviceUserId)).toEqual(device.state.attendance().map((r) => r.userId));
  } finally {
    await device.close();
  }
}, 30_000);
