// For each fault the simulator can inject, ZkClient either recovers with the complete, correct
// data or fails cleanly with the right typed error.
import { ZkClient, type ZkClientOptions } from "../../src/client/index.js";
import { READ_CHUNK, ZkError, ZkIncompleteReadError } from "../../src/protocol/index.js";
import { startDevice, type DeviceServer } from "../../src/simulator/index.js";
import { secondsBetween, zkRejection } from "./helpers.js";

jest.setTimeout(20_000);

const RECORDS = 5_000;
const BUFFER_BYTES = 4 + RECORDS * 40; // 200,004: 4 TCP chunks, 13 UDP chunks

let device: DeviceServer;
const clients: ZkClient[] = [];

beforeAll(async () => {
  device = await startDevice({ seed: 51, users: 20, records: RECORDS, preload: true });
});
afterEach(async () => {
  device.clearFaults();
  await Promise.all(clients.splice(0).map((c) => c.disconnect().catch(() => undefined)));
});
afterAll(() => device.close());

function client(options: Partial<ZkClientOptions>): ZkClient {
  const c = new ZkClient({ host: device.host, port: device.port, timeoutMs: 2_000, ...options });
  clients.push(c);
  return c;
}

function nextReboot(): Promise<void> {
  return new Promise((resolve) => {
    const off = device.state.onChange((change) => {
      if (change.kind !== "reboot") return;
      off();
      resolve();
    });
  });
}

describe.each(["tcp", "udp"] as const)("over %s", (transport) => {
  test("latency: every reply is late, the read is still complete", async () => {
    device.setFaults("latency=30");
    const c = client({ transport, timeoutMs: 1_000 });
    const t0 = performance.now();
    await c.connect();
    const records = await c.getAttendance();
    // CONNECT, GET_FREE_SIZES, DISABLE_DEVICE, PREPARE_BUFFER and the chunks were each delayed.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(30 * 8);
    expect(records).toEqual(device.state.attendance());
    expect(device.state.enabled).toBe(true);
  });

  test("corrupt-checksum: the spoiled chunk is read again and the data is complete", async () => {
    // Every 100th packet is corrupt: it lands inside READ_BUFFER replies (67 packets a chunk
    // over TCP, 18 over UDP), never twice in one reply.
    device.setFaults("corrupt-checksum=100");
    const strict = client({ transport, chunkRetries: 0 });
    await strict.connect();
    const err = await zkRejection(strict.getAttendance());
    expect(err).toBeInstanceOf(ZkIncompleteReadError);
    expect(err.kind).toBe("protocol");
    expect(err.command).toBe("CMD_READ_BUFFER");
    const partial = err as ZkIncompleteReadError;
    expect(partial.expectedBytes).toBe(BUFFER_BYTES);
    expect(partial.receivedBytes % READ_CHUNK[transport]).toBe(0);
    expect(partial.receivedBytes).toBeLessThan(BUFFER_BYTES);
    await strict.disconnect();

    device.setFaults("corrupt-checksum=100");
    const c = client({ transport });
    await c.connect();
    expect(await c.getAttendance()).toEqual(device.state.attendance());
    expect(device.state.enabled).toBe(true);
  });

  test("stall: no reply within timeoutMs is a timeout error, promptly", async () => {
    device.setFaults("stall=2"); // CONNECT and one more
    const c = client({ transport, timeoutMs: 150 });
    await c.connect();
    await c.getTime();
    const t0 = performance.now();
    const err = await zkRejection(c.getUsers());
    expect(err.kind).toBe("timeout");
    expect(err.command).toBe("CMD_GET_FREE_SIZES");
    expect(err.device).toBe(`127.0.0.1:${device.port}`);
    expect(performance.now() - t0).toBeLessThan(1_000);

    device.setFaults("stall=0");
    const err2 = await zkRejection(client({ transport, timeoutMs: 150 }).connect());
    expect(err2.kind).toBe("timeout");
    expect(err2.command).toBe("CMD_CONNECT");
  });

  test("refuse: connecting fails with a typed error; it works once the device accepts again", async () => {
    device.setFaults("refuse");
    const err = await zkRejection(client({ transport, timeoutMs: 300 }).connect());
    // TCP is closed at once; UDP is ignored, which a client can only see as silence.
    expect(err.kind).toBe(transport === "tcp" ? "network" : "timeout");
    expect(err.device).toBe(`127.0.0.1:${device.port}`);
    device.clearFaults();
    const c = client({ transport });
    await c.connect();
    expect((await c.getSizes()).records).toBe(RECORDS);
  });

  test("reboot between commands: the lost session is a network error, and connect() recovers", async () => {
    const c = client({ transport });
    await c.connect();
    expect(await c.getUsers()).toHaveLength(20);
    const rebooted = nextReboot();
    device.setFaults("reboot=0.05");
    await rebooted;
    device.clearFaults();
    const err = await zkRejection(c.getTime());
    // Not "unauthenticated": the comm key is fine, the device forgot the session.
    expect(err.kind).toBe("network");
    expect(c.isConnected).toBe(false);
    await c.connect();
    expect(await c.getUsers()).toEqual(device.state.users());
    expect(await c.getAttendance()).toEqual(device.state.attendance());
  });

  test("clock-jump: getTime reflects the jump", async () => {
    const c = client({ transport });
    await c.connect();
    const before = await c.getTime();
    device.setFaults("clock-jump=+7200");
    const ahead = await c.getTime();
    expect(secondsBetween(before, ahead)).toBeGreaterThanOrEqual(7200);
    expect(secondsBetween(before, ahead)).toBeLessThanOrEqual(7202);
    device.setFaults("clock-jump=-7200");
    const back = await c.getTime();
    expect(Math.abs(secondsBetween(before, back))).toBeLessThanOrEqual(2);
  });
});

// drop-after cuts a TCP connection; UDP has none to cut.
describe("drop-after (TCP)", () => {
  test("once: the read resumes on a new session and returns every record", async () => {
    device.setFaults("drop-after=100000");
    const c = client({ transport: "tcp" });
    const closes: (ZkError | undefined)[] = [];
    c.on("close", (e) => closes.push(e));
    await c.connect();
    const progress: number[] = [];
    const records = await c.getAttendance({ onProgress: (received) => progress.push(received) });
    expect(records).toEqual(device.state.attendance());
    expect(closes).toHaveLength(1); // the first session really was cut
    expect(closes[0]?.kind).toBe("network");
    // Resumed, not restarted: progress never went back.
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(BUFFER_BYTES);
    expect(device.state.enabled).toBe(true);
  });

  test("always, with reconnects to spare: each session gets further and the read completes", async () => {
    // Each session can move 70,000 bytes: one whole 65,472-byte chunk.
    device.setFaults("drop-after=70000:always");
    const c = client({ transport: "tcp", reconnects: 3 });
    await c.connect();
    expect(await c.getAttendance()).toEqual(device.state.attendance());
  });

  test("always, reconnects exhausted: ZkIncompleteReadError says how far it got, no short list", async () => {
    device.setFaults("drop-after=70000:always");
    const c = client({ transport: "tcp", reconnects: 1 });
    await c.connect();
    const err = await zkRejection(c.getAttendance());
    expect(err).toBeInstanceOf(ZkIncompleteReadError);
    expect(err.kind).toBe("network");
    const partial = err as ZkIncompleteReadError;
    // Two sessions, one whole chunk each.
    expect(partial.receivedBytes).toBe(2 * READ_CHUNK.tcp);
    expect(partial.expectedBytes).toBe(BUFFER_BYTES);
    expect(err.message).toContain(`${2 * READ_CHUNK.tcp} of ${BUFFER_BYTES} bytes`);
    expect(device.state.enabled).toBe(true);
  });
});
