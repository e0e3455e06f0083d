// An independent client (node-zklib, from npm) and ours read the same simulated device and agree.
import { ZkClient } from "../../src/client/index.js";
import { DIRECT_DATA_LIMIT, startDevice, type DeviceServer } from "../../src/simulator/index.js";
import { nodeZklib, type ZkLib } from "../../src/reference/node-zklib.js";

/** node-zklib builds a host-local Date from the device wall clock: read it back the same way. */
function localWallClock(d: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}` +
    `T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  );
}

let device: DeviceServer;
let log: jest.SpyInstance;
beforeAll(async () => {
  log = jest.spyOn(console, "log").mockImplementation(() => undefined); // node-zklib chatters
  device = await startDevice({ seed: 61, users: 9, records: 22 });
});
afterAll(async () => {
  log.mockRestore();
  await device.close();
});

test("node-zklib and ZkClient read the same users and attendance", async () => {
  // Under 1 KB each, so node-zklib gets each set in one packet (it cannot reassemble a stream).
  expect(device.state.userBuffer().length).toBeLessThan(DIRECT_DATA_LIMIT);
  expect(device.state.attendanceBuffer().length).toBeLessThan(DIRECT_DATA_LIMIT);

  const zk = nodeZklib(device.host, device.port, 5_000);
  await zk.createSocket();
  let theirUsers: Awaited<ReturnType<ZkLib["getUsers"]>>;
  let theirRecords: Awaited<ReturnType<ZkLib["getAttendances"]>>;
  try {
    theirUsers = await zk.getUsers();
    theirRecords = await zk.getAttendances();
  } finally {
    await zk.disconnect();
  }

  const client = new ZkClient({ host: device.host, port: device.port, timeoutMs: 2_000 });
  await client.connect();
  let ourUsers, ourRecords;
  try {
    ourUsers = await client.getUsers();
    ourRecords = await client.getAttendance();
  } finally {
    await client.disconnect();
  }

  expect(theirUsers.err).toBeFalsy();
  expect(theirRecords.err).toBeFalsy();
  expect(ourUsers).toHaveLength(9);
  expect(ourRecords).toHaveLength(22);
  expect(theirUsers.data.map((u) => ({ uid: u.uid, userId: u.userId, name: u.name }))).toEqual(
    ourUsers.map((u) => ({ uid: u.uid, userId: u.userId, name: u.name })),
  );
  expect(
    theirRecords.data.map((r) => ({ userId: r.deviceUserId, timestamp: localWallClock(r.recordTime) })),
  ).toEqual(ourRecords.map((r) => ({ userId: r.userId, timestamp: r.timestamp })));
  // Both agree with the device itself.
  expect(ourRecords).toEqual(device.state.attendance());
});
