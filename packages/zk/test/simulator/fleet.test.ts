import net from "node:net";
import { Command, EventFlag, Reply } from "../../src/protocol/index.js";
import { startFleet, type Fleet } from "../../src/simulator/index.js";
import { RawTcpClient, RawUdpClient } from "./raw-client.js";

test("1,000 devices start in one process, answer on TCP and UDP, and close", async () => {
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const fleet = await startFleet({ count: 1000, seed: 5, users: 50, records: 2_000 });
  const startMs = performance.now() - t0;
  try {
    const addresses = fleet.addresses();
    expect(addresses).toHaveLength(1000);
    expect(new Set(addresses.map((a) => a.port)).size).toBe(1000);
    expect(new Set(addresses.map((a) => a.serialNumber)).size).toBe(1000);
    // Idle devices hold no generated data yet.
    expect(fleet.devices.every((d) => !d.state.loaded)).toBe(true);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    for (const index of [0, 499, 999]) {
      const device = fleet.device(index);
      const tcp = await RawTcpClient.open(device.port);
      expect((await tcp.connect()).command).toBe(Reply.ACK_OK);
      const sizes = await tcp.request(Command.GET_FREE_SIZES);
      expect(sizes.data.readInt32LE(32)).toBe(2_000);
      await tcp.close();
      const udp = await RawUdpClient.open(device.port);
      expect((await udp.connect()).command).toBe(Reply.ACK_OK);
      await udp.close();
    }
    // Each device is its own: data differs by index.
    expect(fleet.device(0).state.attendance()).not.toEqual(fleet.device(999).state.attendance());
    expect(fleet.devices.filter((d) => d.state.loaded)).toHaveLength(3);
  } finally {
    await fleet.close();
  }
  expect(startMs).toBeLessThan(20_000);
}, 60_000);

/** A run of `count` free consecutive ports, found by trying random bases. */
async function startOnConsecutivePorts(count: number): Promise<Fleet> {
  for (let attempt = 0; ; attempt++) {
    const basePort = 20_000 + Math.floor(Math.random() * 30_000);
    try {
      return await startFleet({ count, basePort, users: 5, records: 10, liveRatePerMin: 6_000 });
    } catch (err) {
      if (attempt >= 10) throw err;
    }
  }
}

test("devices listen on consecutive ports P..P+N-1 and punch live", async () => {
  const fleet = await startOnConsecutivePorts(5);
  try {
    const ports = fleet.addresses().map((a) => a.port);
    expect(ports).toEqual(ports.map((_, i) => ports[0]! + i));
    const client = await RawTcpClient.open(ports[2]!);
    await client.connect();
    await client.request(Command.REG_EVENT, Buffer.from([EventFlag.ATTLOG, 0, 0, 0]));
    const event = await client.nextEvent(); // 100 punches a second on average
    expect(event.sessionId).toBe(EventFlag.ATTLOG);
    await client.close();
  } finally {
    await fleet.close();
  }
  const refused = net.connect({ port: fleet.device(0).port, host: "127.0.0.1" });
  await expect(
    new Promise((resolve, reject) => refused.once("connect", resolve).once("error", reject)),
  ).rejects.toThrow(/ECONNREFUSED/);
});

function listen(server: net.Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
}

/** A listening server on port P whose neighbour P-1 is free, so only device 1 can collide. */
async function blockerWithFreeNeighbour(): Promise<{ blocker: net.Server; port: number }> {
  for (;;) {
    const blocker = net.createServer();
    await listen(blocker, 0);
    const port = (blocker.address() as net.AddressInfo).port;
    const probe = net.createServer();
    if (await listen(probe, port - 1)) {
      await new Promise((resolve) => probe.close(resolve));
      return { blocker, port };
    }
    blocker.close();
  }
}

test("a port already in use fails the fleet with a message naming the port, leaving nothing open", async () => {
  const { blocker, port } = await blockerWithFreeNeighbour();
  try {
    await expect(startFleet({ count: 2, basePort: port - 1, users: 1, records: 0 })).rejects.toThrow(
      `device 1 could not listen on 127.0.0.1:${port}`,
    );
  } finally {
    blocker.close();
  }
});
