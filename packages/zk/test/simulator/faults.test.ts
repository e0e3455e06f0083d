import net from "node:net";
import { Command, Reply, TcpFramer, encodeTcpFrame, zkChecksum } from "../../src/protocol/index.js";
import {
  FAULT_KINDS,
  formatFaultPlan,
  parseFaultSpec,
  startDevice,
  type DeviceServer,
} from "../../src/simulator/index.js";
import { RawTcpClient, RawUdpClient } from "./raw-client.js";

describe("parseFaultSpec", () => {
  test.each([
    ["", {}],
    ["none", {}],
    ["latency=20", { latencyMs: 20 }],
    ["drop-after=65536", { dropAfter: { bytes: 65536, always: false } }],
    ["drop-after=1000:always", { dropAfter: { bytes: 1000, always: true } }],
    ["corrupt-checksum=5", { corruptChecksumEvery: 5 }],
    ["stall=0", { stallAfter: 0 }],
    ["refuse", { refuse: true }],
    ["reboot=30", { rebootEverySeconds: 30 }],
    ["reboot=0.5", { rebootEverySeconds: 0.5 }],
    ["clock-jump=-3600", { clockJumpSeconds: -3600 }],
    ["clock-jump=+90", { clockJumpSeconds: 90 }],
    [
      " latency=20 , drop-after=65536,stall=3",
      { latencyMs: 20, dropAfter: { bytes: 65536, always: false }, stallAfter: 3 },
    ],
  ])("%j", (spec, plan) => {
    expect(parseFaultSpec(spec)).toEqual(plan);
  });

  test.each([
    ["latency", "latency"],
    ["latency=fast", "latency=fast"],
    ["latency=-1", "latency=-1"],
    ["drop-after=10:sometimes", "drop-after=10:sometimes"],
    ["corrupt-checksum=0", "corrupt-checksum=0"],
    ["refuse=1", "refuse=1"],
    ["reboot=0", "reboot=0"],
    ["clock-jump=1.5", "clock-jump=1.5"],
    ["latency=1,latency=2", "latency=2"],
    ["explode=1", "explode=1"],
    ["latency=1,,stall=2", ""],
  ])("%j is refused with a one-line message naming %j and the valid kinds", (spec, part) => {
    let message = "";
    try {
      parseFaultSpec(spec);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(`bad fault "${part}"`);
    expect(message).not.toContain("\n");
    for (const kind of FAULT_KINDS) expect(message).toContain(kind);
  });

  test("formatFaultPlan round-trips", () => {
    const spec = "latency=20,drop-after=100:always,corrupt-checksum=3,stall=4,refuse,reboot=2,clock-jump=-60";
    expect(formatFaultPlan(parseFaultSpec(spec))).toBe(spec);
    expect(parseFaultSpec(formatFaultPlan(parseFaultSpec(spec)))).toEqual(parseFaultSpec(spec));
  });
});

describe("faults applied by a running device", () => {
  let device: DeviceServer;
  beforeAll(async () => {
    device = await startDevice({ seed: 31, users: 20, records: 5_000 }); // 200,004-byte log
  });
  afterEach(() => device.clearFaults());
  afterAll(() => device.close());

  test("latency delays every reply", async () => {
    device.setFaults("latency=60");
    const client = await RawTcpClient.open(device.port);
    try {
      const t0 = performance.now();
      await client.connect();
      await client.request(Command.GET_TIME);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    } finally {
      await client.close();
    }
  });

  /** Bytes of bulk data (CMD_DATA payloads) a client gets before the device hangs up. */
  async function bulkBytesBeforeDrop(): Promise<number> {
    const client = await RawTcpClient.open(device.port);
    await client.connect();
    let got = 0;
    try {
      const parts: Buffer[] = [];
      const start = await client.request(Command.ATTLOG_RRQ);
      expect(start.command).toBe(Reply.ACK_OK);
      await client.readChunk(0, 65472, parts);
      await client.readChunk(65472, 65472, parts);
      await client.readChunk(130944, 200004 - 130944, parts);
      return parts.reduce((n, p) => n + p.length, 0);
    } catch {
      got = -1;
    }
    await client.closed;
    return got;
  }

  test("drop-after cuts the connection once per device; ':always' on every transfer", async () => {
    device.setFaults("drop-after=100000");
    const client = await RawTcpClient.open(device.port);
    await client.connect();
    const parts: Buffer[] = [];
    await client.request(Command.ATTLOG_RRQ);
    await client.readChunk(0, 65472, parts);
    await expect(client.readChunk(65472, 65472, parts)).rejects.toThrow("connection closed");
    // The device hung up mid-fragment at byte 100,000: the client holds only whole fragments.
    const received = parts.reduce((n, p) => n + p.length, 0);
    expect(received).toBeLessThanOrEqual(100_000);
    expect(received).toBeGreaterThan(100_000 - 1008);
    // Once per device: the retry gets everything.
    expect(await bulkBytesBeforeDrop()).toBe(200_004);

    device.setFaults("drop-after=1000:always");
    expect(await bulkBytesBeforeDrop()).toBe(-1);
    expect(await bulkBytesBeforeDrop()).toBe(-1);
  });

  test("corrupt-checksum spoils every Nth packet the device sends", async () => {
    device.setFaults("corrupt-checksum=3");
    const socket = net.connect({ port: device.port, host: device.host });
    await new Promise((resolve) => socket.once("connect", resolve));
    const framer = new TcpFramer();
    const valid: boolean[] = [];
    const got = new Promise<void>((resolve) =>
      socket.on("data", (chunk: Buffer) => {
        for (const f of framer.push(chunk)) valid.push(zkChecksum(f) === f.readUInt16LE(2));
        if (valid.length === 7) resolve();
      }),
    );
    for (let i = 0; i < 7; i++) {
      socket.write(
        encodeTcpFrame({ command: Command.CONNECT, sessionId: 0, replyId: i, data: Buffer.alloc(0) }),
      );
    }
    await got;
    socket.destroy();
    expect(valid).toEqual([true, true, false, true, true, false, true]);
  });

  test("stall answers N requests, then nothing, with the socket left open", async () => {
    device.setFaults("stall=2");
    const client = await RawTcpClient.open(device.port);
    try {
      await client.connect();
      await client.request(Command.GET_TIME);
      client.send(Command.GET_TIME);
      const pending = client.next();
      // Proving silence needs a wait; it is bounded and nothing synchronises on it.
      const outcome = await Promise.race([
        pending.then(() => "answered"),
        new Promise((resolve) => setTimeout(() => resolve("silent"), 200)),
      ]);
      expect(outcome).toBe("silent");
      expect(client.socket.destroyed).toBe(false);
      // Clearing the fault at runtime lets the same connection talk again (the stalled request
      // itself stays unanswered).
      device.clearFaults();
      client.send(Command.GET_VERSION, undefined, { replyId: 500 });
      expect((await pending).replyId).toBe(500);
    } finally {
      await client.close();
    }
  });

  test("refuse closes new TCP connections at once and ignores UDP", async () => {
    device.setFaults("refuse");
    const client = await RawTcpClient.open(device.port);
    await client.closed;
    const udp = await RawUdpClient.open(device.port);
    udp.send(Command.CONNECT);
    const outcome = await Promise.race([
      udp.next().then(() => "answered"),
      new Promise((resolve) => setTimeout(() => resolve("silent"), 200)),
    ]);
    await udp.close();
    expect(outcome).toBe("silent");
  });

  test("reboot=S drops every session periodically; event registrations are forgotten", async () => {
    const client = await RawTcpClient.open(device.port);
    await client.connect();
    await client.request(Command.REG_EVENT, Buffer.from([1, 0, 0, 0]));
    const udp = await RawUdpClient.open(device.port);
    await udp.connect();
    device.setFaults("reboot=0.1");
    await client.closed;
    device.clearFaults();
    expect((await udp.request(Command.GET_TIME)).command).toBe(Reply.ACK_UNAUTH);
    await udp.close();
    const again = await RawTcpClient.open(device.port);
    await again.connect();
    device.punch();
    expect((await again.request(Command.GET_TIME)).command).toBe(Reply.ACK_OK);
    expect(again.events).toEqual([]);
    await again.close();
  });

  test("clock-jump shifts the device clock once, when applied", () => {
    const before = device.state.clockOffsetSeconds;
    device.setFaults("clock-jump=-3600");
    expect(device.state.clockOffsetSeconds).toBe(before - 3600);
    device.clearFaults();
    expect(device.state.clockOffsetSeconds).toBe(before - 3600);
    device.state.shiftClock(3600);
  });

  test("faults given at start apply from the first connection", async () => {
    const refusing = await startDevice({ users: 1, records: 0, faults: "refuse" });
    const client = await RawTcpClient.open(refusing.port);
    await client.closed;
    refusing.clearFaults();
    const ok = await RawTcpClient.open(refusing.port);
    expect((await ok.connect()).command).toBe(Reply.ACK_OK);
    await ok.close();
    await refusing.close();
  });
});
