import { decodeAttendanceRecords, formatWallClock, type ZkUser } from "../../src/protocol/index.js";
import { AttendanceLog, DeviceState } from "../../src/simulator/index.js";

const alice: ZkUser = {
  uid: 1,
  userId: "1001",
  name: "Alice",
  privilege: 14,
  password: "",
  card: 0,
  group: 1,
};
const bob: ZkUser = { uid: 2, userId: "1002", name: "Bob", privilege: 0, password: "", card: 0, group: 1 };

function localWallClock(ms: number): string {
  const d = new Date(ms);
  return formatWallClock({
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    minute: d.getMinutes(),
    second: d.getSeconds(),
  });
}

test("the device clock is the host's local wall clock plus an offset", () => {
  let host = Date.UTC(2024, 6, 1, 12, 0, 0);
  const dev = new DeviceState({ now: () => host, clockOffsetSeconds: 90 });
  expect(dev.now()).toBe(localWallClock(host + 90_000));
  dev.setClock("2020-02-29T23:59:30");
  host += 45_000;
  expect(dev.now()).toBe("2020-03-01T00:00:15");
  dev.shiftClock(-15);
  expect(dev.now()).toBe("2020-03-01T00:00:00");
});

test("data is loaded once, on first use; a failing loader is retried next time", () => {
  let calls = 0;
  let fail = true;
  const dev = new DeviceState({
    data: () => {
      calls++;
      if (fail) throw new Error("disk on fire");
      return { users: [alice] };
    },
  });
  expect(dev.loaded).toBe(false);
  expect(() => dev.userCount).toThrow("disk on fire");
  fail = false;
  expect(dev.userCount).toBe(1);
  expect(dev.recordCount).toBe(0);
  expect(calls).toBe(2);
  expect(dev.loaded).toBe(true);
});

test("punches: known users only; state by hour unless given; listeners hear about them", () => {
  const dev = new DeviceState({ data: { users: [alice, bob] } });
  const heard: string[] = [];
  dev.onChange((c) => heard.push(c.kind));
  expect(dev.addPunch({ userId: "1002", timestamp: "2024-01-02T08:00:00" }).punch).toBe(0);
  expect(dev.addPunch({ uid: 1, timestamp: "2024-01-02T17:00:00" }).punch).toBe(1);
  expect(() => dev.addPunch({ userId: "999" })).toThrow('no user with user id "999"');
  expect(heard).toEqual(["loaded", "punch", "punch"]);
  expect(dev.attendance().map((r) => [r.uid, r.userId])).toEqual([
    [2, "1002"],
    [1, "1001"],
  ]);
});

test("the user buffer is cached until users change", () => {
  const dev = new DeviceState({ data: { users: [alice] } });
  const first = dev.userBuffer();
  expect(dev.userBuffer()).toBe(first);
  dev.upsertUser(bob);
  expect(dev.userBuffer()).not.toBe(first);
  expect(dev.userBuffer().readUInt32LE(0)).toBe(144);
  expect(() => dev.upsertUser({ ...bob, uid: 0 })).toThrow(RangeError);
});

test("AttendanceLog grows, and buffers handed out never change afterwards", () => {
  const log = new AttendanceLog(16);
  const record = (n: number) => {
    const b = Buffer.alloc(16);
    b.writeUInt32LE(n, 0);
    b.writeUInt32LE(1000 + n, 4);
    return b;
  };
  const snapshots: Buffer[] = [];
  for (let n = 1; n <= 500; n++) {
    log.append(record(n));
    if (n % 100 === 0) snapshots.push(log.transferBuffer());
  }
  snapshots.forEach((s, i) => {
    expect(s.readUInt32LE(0)).toBe((i + 1) * 100 * 16);
    expect(s.length).toBe(4 + (i + 1) * 100 * 16);
  });
  const beforeClear = log.transferBuffer();
  log.clear();
  log.append(record(7));
  expect(beforeClear.readUInt32LE(0)).toBe(500 * 16);
  expect(decodeAttendanceRecords(beforeClear.subarray(4), 500).at(-1)?.userId).toBe("500");
  expect(log.records().map((r) => r.userId)).toEqual(["7"]);
  expect(() => log.append(Buffer.alloc(40))).toThrow(RangeError);
});
