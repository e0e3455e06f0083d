// ZkClient against the real simulator over real sockets, TCP and UDP.
import { once } from "node:events";
import { ZkClient, type ZkClientOptions } from "../../src/client/index.js";
import {
  Privilege,
  READ_CHUNK,
  ZkDeviceError,
  ZkIncompleteReadError,
  type AttLogEvent,
  type ZkUser,
} from "../../src/protocol/index.js";
import type { DeviceServer, StartDeviceOptions } from "../../src/simulator/index.js";
import { secondsBetween, simulatorFixtures, zkRejection } from "./helpers.js";

jest.setTimeout(20_000);

const sim = simulatorFixtures();
const device = (options: StartDeviceOptions): Promise<DeviceServer> => sim.device({ seed: 41, ...options });
const connected = (d: DeviceServer, options: Partial<ZkClientOptions>): Promise<ZkClient> =>
  sim.connected(d, options);

describe.each(["tcp", "udp"] as const)("ZkClient over %s", (transport) => {
  let modern: DeviceServer;
  let old: DeviceServer;
  beforeAll(async () => {
    // 6,000 punches: 240,004 bytes modern (4 TCP / 15 UDP chunks), 96,004 bytes old (2 / 6).
    modern = await device({ users: 30, records: 6_000, preload: true });
    old = await device({ users: 30, records: 6_000, profile: "old", preload: true });
  });
  const open = (d: DeviceServer, options: Partial<ZkClientOptions> = {}) =>
    connected(d, { transport, ...options });

  test("getInfo reports the device's identity, counts, capacities and clock", async () => {
    const client = await open(modern);
    const info = await client.getInfo();
    const s = modern.state;
    const sizes = s.freeSizes();
    expect(info).toMatchObject({
      serialNumber: s.serialNumber,
      firmware: s.firmware,
      platform: s.getOption("~Platform"),
      deviceName: s.getOption("~DeviceName"),
      mac: s.getOption("MAC"),
      users: 30,
      records: 6_000,
      usersCapacity: sizes.usersCapacity,
      recordsCapacity: sizes.recordsCapacity,
    });
    expect(info.serialNumber).not.toBe("");
    expect(info.mac).toMatch(/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/i);
    expect(Math.abs(secondsBetween(info.time, s.now()))).toBeLessThanOrEqual(2);
  });

  test.each(["modern", "old"] as const)("getUsers equals the %s device's users", async (profile) => {
    const d = profile === "modern" ? modern : old;
    const client = await open(d);
    const users = await client.getUsers();
    expect(users).toHaveLength(30);
    expect(users).toEqual(d.state.users());
  });

  test.each([
    ["modern", 72],
    ["old", 28],
  ] as const)("setUser on a %s device writes a %i-byte record that getUsers shows", async (profile, size) => {
    const d = await device({ users: 5, records: 0, profile });
    expect(d.state.format.userSize).toBe(size);
    const client = await open(d);
    // Fits both layouts: numeric user id, 5-char password, 8-char name.
    const user: ZkUser = {
      uid: 77,
      userId: "4711",
      name: "Ana Lima",
      privilege: Privilege.admin,
      password: "12345",
      card: 987_654,
      group: 1,
    };
    await client.setUser(user);
    expect(d.state.getUser(77)).toEqual(user);
    expect((await client.getUsers()).find((u) => u.uid === 77)).toEqual(user);
    expect(d.state.userCount).toBe(6);
  });

  test("deleteUser removes the user; deleting a missing slot is a device error naming device and command", async () => {
    const d = await device({ users: 5, records: 0 });
    const client = await open(d);
    const [victim] = await client.getUsers();
    await client.deleteUser(victim!.uid);
    expect(d.state.getUser(victim!.uid)).toBeUndefined();
    expect((await client.getUsers()).map((u) => u.uid)).not.toContain(victim!.uid);

    const err = await zkRejection(client.deleteUser(victim!.uid));
    expect(err).toBeInstanceOf(ZkDeviceError);
    expect(err.kind).toBe("device");
    expect(err.device).toBe(`127.0.0.1:${d.port}`);
    expect(err.command).toBe("CMD_DELETE_USER");
    expect(err.describe()).toContain(`127.0.0.1:${d.port} CMD_DELETE_USER`);
  });

  test.each(["modern", "old"] as const)(
    "getAttendance of the %s device returns the device's whole log, chunk by chunk",
    async (profile) => {
      const d = profile === "modern" ? modern : old;
      const client = await open(d);
      const progress: [number, number][] = [];
      const records = await client.getAttendance({ onProgress: (r, t) => progress.push([r, t]) });
      expect(records).toHaveLength(6_000);
      expect(records).toEqual(d.state.attendance());
      // Several READ_BUFFER chunks of the transport's size, ending at the full buffer.
      const total = d.state.attendanceBuffer().length;
      expect(progress.length).toBe(Math.ceil(total / READ_CHUNK[transport]));
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toEqual([total, total]);
      expect(progress[0]).toEqual([READ_CHUNK[transport], total]);
      expect(d.state.enabled).toBe(true);
    },
  );

  test("setTime then getTime round-trips", async () => {
    const d = await device({ users: 2, records: 0 });
    const client = await open(d);
    await client.setTime("2031-05-06T07:08:09");
    const read = await client.getTime();
    expect(secondsBetween("2031-05-06T07:08:09", read)).toBeGreaterThanOrEqual(0);
    expect(secondsBetween("2031-05-06T07:08:09", read)).toBeLessThanOrEqual(2);
    expect(Math.abs(secondsBetween(read, d.state.now()))).toBeLessThanOrEqual(1);
  });

  test("clearAttendance empties the log", async () => {
    const d = await device({ users: 5, records: 300 });
    const client = await open(d);
    expect(await client.getAttendance()).toHaveLength(300);
    await client.clearAttendance();
    expect(d.state.recordCount).toBe(0);
    expect(await client.getAttendance()).toEqual([]);
    expect((await client.getSizes()).records).toBe(0);
  });

  describe("comm key", () => {
    let locked: DeviceServer;
    beforeAll(async () => {
      locked = await device({ users: 3, records: 4, commKey: 13579 });
    });

    test("the right key connects", async () => {
      const client = await open(locked, { commKey: 13579 });
      expect(await client.getUsers()).toEqual(locked.state.users());
    });

    test("a wrong key is refused as unauthenticated", async () => {
      const client = new ZkClient({ host: locked.host, port: locked.port, transport, commKey: 13578 });
      const err = await zkRejection(client.connect());
      expect(err.kind).toBe("unauthenticated");
      expect(err.device).toBe(`127.0.0.1:${locked.port}`);
      expect(client.isConnected).toBe(false);
    });

    test("a missing key is refused as unauthenticated, saying to pass --comm-key", async () => {
      const client = new ZkClient({ host: locked.host, port: locked.port, transport });
      const err = await zkRejection(client.connect());
      expect(err.kind).toBe("unauthenticated");
      expect(err.message).toContain("--comm-key");
      expect(client.isConnected).toBe(false);
    });
  });

  describe("the device is enabled again after getAttendance", () => {
    let d: DeviceServer;
    beforeAll(async () => {
      d = await device({ users: 10, records: 5_000 }); // 200,004 bytes
    });
    afterEach(() => d.clearFaults());

    test("after a read that succeeded, and it was disabled during the read", async () => {
      const client = await open(d);
      const seen: boolean[] = [];
      await client.getAttendance({ onProgress: () => seen.push(d.state.enabled) });
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.every((enabled) => !enabled)).toBe(true);
      expect(d.state.enabled).toBe(true);
    });

    test("after a read that stalled mid-way (timeout)", async () => {
      // Answered: CONNECT, GET_FREE_SIZES, DISABLE_DEVICE, PREPARE_BUFFER, the first READ_BUFFER.
      d.setFaults("stall=5");
      const client = await open(d, { timeoutMs: 300, chunkRetries: 0 });
      const warnings: string[] = [];
      client.on("warning", (w) => warnings.push(w));
      const err = await zkRejection(client.getAttendance());
      expect(err).toBeInstanceOf(ZkIncompleteReadError);
      expect(err.kind).toBe("timeout");
      expect((err as ZkIncompleteReadError).receivedBytes).toBe(READ_CHUNK[transport]);
      expect((err as ZkIncompleteReadError).expectedBytes).toBe(200_004);
      expect(warnings).toEqual([]);
      expect(d.state.enabled).toBe(true);
    });

    if (transport === "tcp") {
      test("after a read whose connection dropped mid-way (network)", async () => {
        d.setFaults("drop-after=70000:always");
        const client = await open(d, { reconnects: 0 });
        const err = await zkRejection(client.getAttendance());
        expect(err).toBeInstanceOf(ZkIncompleteReadError);
        expect(err.kind).toBe("network");
        expect((err as ZkIncompleteReadError).receivedBytes).toBe(READ_CHUNK.tcp);
        expect(d.state.enabled).toBe(true);
      });
    }
  });

  test("startLive delivers a punch at the device as an attendance event", async () => {
    const d = await device({ users: 5, records: 10 });
    const client = await open(d);
    await client.startLive();
    const event = once(client, "attendance") as Promise<[AttLogEvent]>;
    const record = d.punch({ userId: "1003", timestamp: "2030-02-03T08:09:10", punch: 0, verify: 1 });
    const [e] = await event;
    expect(e).toEqual({ userId: "1003", timestamp: "2030-02-03T08:09:10", punch: 0, verify: 1 });
    expect(e.userId).toBe(record.userId);
    expect(e.timestamp).toBe(record.timestamp);
  });

  test("a timeout names the device and the command", async () => {
    const d = await device({ users: 2, records: 0 });
    const client = await open(d, { timeoutMs: 200 });
    d.setFaults("stall=1"); // CONNECT was the one answered request
    const err = await zkRejection(client.getTime());
    expect(err.kind).toBe("timeout");
    expect(err.device).toBe(`127.0.0.1:${d.port}`);
    expect(err.command).toBe("CMD_GET_TIME");
  });

  test("concurrent calls are serialised: one command in flight, all succeed", async () => {
    const client = await open(modern);
    const [users, records, time, info, sizes, again] = await Promise.all([
      client.getUsers(),
      client.getAttendance(),
      client.getTime(),
      client.getInfo(),
      client.getSizes(),
      client.getUsers(),
    ]);
    expect(users).toEqual(modern.state.users());
    expect(again).toEqual(users);
    expect(records).toEqual(modern.state.attendance());
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(info.records).toBe(6_000);
    expect(sizes.users).toBe(30);
  });
});
