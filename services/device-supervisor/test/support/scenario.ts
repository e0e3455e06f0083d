import { DeviceTransport, type AssignedDevice, type DeviceAssignment } from "@biometricflow/proto";
import { createLogger } from "@biometricflow/telemetry";
import {
  startDevice,
  type DeviceServer,
  type StartDeviceOptions,
} from "@biometricflow/zk/dist/simulator/index.js";
import type { DeviceTuning } from "../../src/device/device-settings.js";
import { SessionRegistry } from "../../src/device/session-registry.js";
import { ZkDevicePort } from "../../src/device/zk-device-port.js";
import { Limiter } from "../../src/limiter.js";
import { startPlaceSupervisor, type PlaceSupervisor } from "../../src/place-supervisor.js";
import { dedupKey } from "./fake-link.js";
import { LinkServer } from "./link-server.js";

/** Fast timings so faults are noticed and recovered within a test's patience. */
export const IT_TUNING: DeviceTuning = {
  probeIntervalMs: 300,
  probeTimeoutMs: 500,
  defaultPullIntervalMs: 2_000,
  backoff: { initialMs: 100, maxMs: 1_000, jitter: 0.25 },
  failedRetryMs: 60_000,
  startSpreadMs: 0,
  batchSize: 1_000,
  lockDuringRead: true,
  maxQueuedCommands: 10,
};

export interface ScenarioDevice extends Omit<StartDeviceOptions, "index"> {
  /** The comm key the place gives the supervisor (default: the device's own). */
  assignedCommKey?: number;
  clear?: { enabled: boolean; thresholdPercent: number };
  clock?: AssignedDevice["clock"];
}

export interface Scenario {
  devices: DeviceServer[];
  assignment: DeviceAssignment;
  server: LinkServer;
  supervisor: PlaceSupervisor;
  id(i: number): string;
  /** Dedup keys of every record in device i's log. */
  deviceKeys(i: number): Set<string>;
  /** Dedup keys the place stored for device i. */
  storedKeys(i: number): Set<string>;
  /** Resolves when every record of every device is stored and each cursor covers its log. */
  allStored(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const log = createLogger("supervisor-test", process.env.TEST_LOG_LEVEL ?? "silent");

export async function startScenario(
  specs: ScenarioDevice[],
  o: { transport?: "tcp" | "udp"; tuning?: Partial<DeviceTuning>; timezone?: string } = {},
): Promise<Scenario> {
  const devices = await Promise.all(
    specs.map(({ assignedCommKey: _k, clear: _c, clock: _t, ...spec }, index) =>
      startDevice({ seed: 7, users: 20, ...spec, index }),
    ),
  );
  const id = (i: number): string => `dev-${i}`;
  const assigned = devices.map((d, i): AssignedDevice => ({
    device: {
      id: id(i),
      name: `Device ${i}`,
      serial: d.state.serialNumber,
      host: d.host,
      port: d.port,
      transport:
        o.transport === "udp" ? DeviceTransport.DEVICE_TRANSPORT_UDP : DeviceTransport.DEVICE_TRANSPORT_TCP,
      pullIntervalSeconds: 0,
      clearPolicy: specs[i]!.clear,
    },
    commKey: specs[i]!.assignedCommKey ?? specs[i]!.commKey ?? 0,
    cursor: undefined,
    clock: specs[i]!.clock,
  }));
  // Simulated clocks run on this host's wall clock: by default the place shares its zone.
  const timezone = o.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const assignment: DeviceAssignment = { placeId: "place-it", timezone, devices: assigned };
  const server = await new LinkServer(assignment).start();
  const tuning = { ...IT_TUNING, ...o.tuning };
  const shared = { sessions: new SessionRegistry(), timeoutMs: 1_000, log };
  const supervisor = startPlaceSupervisor({
    address: server.address,
    supervisorId: "sup-it",
    deadlineMs: 5_000,
    ingestDeadlineMs: 10_000,
    live: { lingerMs: 2, maxBatch: 100, maxInFlight: 2, maxPending: 1_000, deadlineMs: 2_000 },
    statusCoalesceMs: 10,
    tuning,
    syncSlots: new Limiter(4),
    attachBackoff: { initialMs: 100, maxMs: 1_000, jitter: 0.25 },
    random: Math.random,
    log,
    createPort: (deviceId, params) => new ZkDevicePort(deviceId, params, shared),
  });
  const deviceKeys = (i: number): Set<string> => {
    const d = devices[i]!;
    return new Set(
      d.state
        .attendance()
        .map((r) =>
          dedupKey(d.state.serialNumber, { userId: r.userId, localTime: r.timestamp, punchState: r.punch }),
        ),
    );
  };
  const storedKeys = (i: number): Set<string> =>
    new Set([...server.punches.values()].filter((p) => p.deviceId === id(i)).map((p) => p.key));
  return {
    devices,
    assignment,
    server,
    supervisor,
    id,
    deviceKeys,
    storedKeys,
    allStored: (timeoutMs = 15_000) =>
      server.until(
        "every device record stored and every cursor at the end of its log",
        () =>
          devices.every((d, i) => {
            const wanted = deviceKeys(i);
            const stored = storedKeys(i);
            return (
              stored.size === wanted.size &&
              [...wanted].every((k) => stored.has(k)) &&
              (server.cursors.get(id(i))?.recordsIngested ?? 0) === d.state.recordCount
            );
          }),
        timeoutMs,
      ),
    async close() {
      await supervisor.stop(5_000);
      await server.stop();
      await Promise.all(devices.map((d) => d.close()));
    },
  };
}
