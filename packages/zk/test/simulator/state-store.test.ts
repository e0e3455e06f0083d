import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command, Reply, encodeUser72, encodeZkTime } from "../../src/protocol/index.js";
import { StateStore, startDevice } from "../../src/simulator/index.js";
import { RawTcpClient } from "./raw-client.js";

let dir: string;
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "zk-sim-state-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("users, log, options and clock survive a restart; live punches are appended", async () => {
  const store = new StateStore(dir);
  const first = await startDevice({ seed: 9, users: 12, records: 300, stateDir: store });
  const serial = first.state.serialNumber;
  const client = await RawTcpClient.open(first.port);
  await client.connect();
  const newUser = {
    uid: 40,
    userId: "A-77",
    name: "New Hire",
    privilege: 0,
    password: "",
    card: 5,
    group: 1,
  };
  expect((await client.request(Command.USER_WRQ, encodeUser72(newUser))).command).toBe(Reply.ACK_OK);
  expect((await client.request(Command.DELETE_USER, Buffer.from([3, 0]))).command).toBe(Reply.ACK_OK);
  expect((await client.request(Command.OPTIONS_WRQ, Buffer.from("LockOn=7\0"))).command).toBe(Reply.ACK_OK);
  const time = Buffer.alloc(4);
  time.writeUInt32LE(encodeZkTime("2030-01-02T03:04:05"), 0);
  expect((await client.request(Command.SET_TIME, time)).command).toBe(Reply.ACK_OK);
  await client.close();
  first.punch({ userId: "A-77" });
  first.punch({ uid: 1 });
  const users = first.state.users();
  const log = Buffer.from(first.state.attendanceBuffer());
  const offset = first.state.clockOffsetSeconds;
  expect(first.state.recordCount).toBe(302);
  await first.close();
  await store.flush();
  expect(readdirSync(path.join(dir, readdirSync(dir)[0]!)).sort()).toEqual([
    "attendance.dat",
    "device.json",
    "users.json",
  ]);

  // Another seed: had the data been generated again, it would differ.
  const second = await startDevice({ seed: 10, serialNumber: serial, users: 5, records: 5, stateDir: dir });
  try {
    expect(second.state.users()).toEqual(users);
    expect(second.state.attendanceBuffer().equals(log)).toBe(true);
    expect(second.state.getOption("LockOn")).toBe("7");
    expect(second.state.clockOffsetSeconds).toBe(offset);
  } finally {
    await second.close();
  }
});

test("CLEAR_ATTLOG is persisted too", async () => {
  const first = await startDevice({ seed: 9, users: 3, records: 10, stateDir: dir });
  first.state.clearAttendance();
  first.punch({ uid: 2 });
  const serial = first.state.serialNumber;
  await first.close();
  const second = await startDevice({ serialNumber: serial, stateDir: dir });
  expect(second.state.attendance().map((r) => r.uid)).toEqual([2]);
  await second.close();
});

test("a corrupt file gives an error naming it; the device does not crash", async () => {
  const first = await startDevice({ seed: 9, users: 3, records: 10, stateDir: dir });
  const serial = first.state.serialNumber;
  first.state.load();
  await first.close();
  const deviceDir = new StateStore(dir).dirFor(serial);

  writeFileSync(path.join(deviceDir, "users.json"), "[{ not json");
  const broken = await startDevice({ serialNumber: serial, stateDir: dir });
  expect(() => broken.state.load()).toThrow(path.join(deviceDir, "users.json"));
  // Over the wire: the request that needed the data ends the connection, nothing more.
  const client = await RawTcpClient.open(broken.port);
  await client.connect();
  client.send(Command.GET_FREE_SIZES);
  await client.closed;
  await broken.close();

  writeFileSync(path.join(deviceDir, "users.json"), "[]");
  writeFileSync(path.join(deviceDir, "attendance.dat"), Buffer.alloc(41));
  const torn = await startDevice({ serialNumber: serial, stateDir: dir });
  expect(() => torn.state.load()).toThrow(/attendance\.dat is corrupt: 41 bytes/);
  await torn.close();

  writeFileSync(path.join(deviceDir, "device.json"), '{"format": 2}');
  await expect(startDevice({ serialNumber: serial, stateDir: dir })).rejects.toThrow(
    path.join(deviceDir, "device.json"),
  );
});

test("planted corrupt records survive a restart, in place and appended", async () => {
  const store = new StateStore(dir);
  const first = await startDevice({ seed: 11, users: 4, records: 20, stateDir: store, preload: true });
  const serial = first.state.serialNumber;
  const inPlace = first.plantCorruptRecord({ index: 5 });
  const appended = first.plantCorruptRecord();
  first.punch({ uid: 1 });
  const log = Buffer.from(first.state.attendanceBuffer());
  await first.close();
  await store.flush();

  const second = await startDevice({ seed: 12, serialNumber: serial, users: 1, records: 1, stateDir: dir });
  try {
    expect(second.state.attendanceBuffer().equals(log)).toBe(true);
    const decoded = second.state.attendanceLog();
    expect(decoded.unreadable.map((u) => [u.index, u.bytes])).toEqual([
      [5, inPlace.bytes],
      [20, appended.bytes],
    ]);
    expect(decoded.records).toHaveLength(20);
  } finally {
    await second.close();
  }
});
