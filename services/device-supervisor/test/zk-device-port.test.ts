import { createLogger } from "@biometricflow/telemetry";
import { startDevice, type DeviceServer } from "@biometricflow/zk/dist/simulator/index.js";
import { SessionRegistry } from "../src/device/session-registry.js";
import { ZkDevicePort } from "../src/device/zk-device-port.js";

// A supervisor killed (or timed out) between disable and enable leaves the keypad locked, and the
// device keeps that across sessions: nobody on site can punch until someone enables it.
let device: DeviceServer;
afterEach(() => device?.close());

test("a device left disabled by an earlier session is enabled when a new session starts", async () => {
  device = await startDevice({ index: 0, seed: 3, users: 5, records: 20 });
  device.state.disable();
  expect(device.state.enabled).toBe(false);
  const port = new ZkDevicePort(
    "dev-0",
    { host: device.host, port: device.port, transport: "tcp", commKey: 0 },
    { sessions: new SessionRegistry(), timeoutMs: 2_000, log: createLogger("test", "silent") },
  );
  await port.connect();
  try {
    expect(device.state.enabled).toBe(true);
    expect((await port.counts()).records).toBe(20);
  } finally {
    await port.close();
  }
});
