import { startDevice, type DeviceServer } from "../../src/simulator/index.js";

// node-zklib ships no types: describe the part used here.
interface ZkLibUser {
  uid: number;
  role: number;
  password: string;
  name: string;
  cardno: number;
  userId: string;
}
interface ZkLibRecord {
  userSn: number;
  deviceUserId: string;
  recordTime: Date;
}
interface ZkLib {
  createSocket(): Promise<void>;
  getUsers(): Promise<{ data: ZkLibUser[]; err: Error | null }>;
  getAttendances(): Promise<{ data: ZkLibRecord[]; err: Error | null }>;
  getInfo(): Promise<{ userCounts: number; logCounts: number; logCapacity: number }>;
  disconnect(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ZKLib = require("node-zklib") as new (
  ip: string,
  port: number,
  timeout: number,
  inport: number,
) => ZkLib;

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
  const zk = new ZKLib(device.host, device.port, 5000, 0);
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
