import { DeviceState, type AssignedDevice, type DeviceAssignment } from "@biometricflow/proto";
import { createActor } from "xstate";
import type { DeviceParams } from "../src/device/device-port.js";
import { Limiter } from "../src/limiter.js";
import { supervisorMachine } from "../src/machines/supervisor-machine.js";
import { FakeDevice } from "./support/fake-device.js";
import { FakeLink } from "./support/fake-link.js";
import { settle, silentLog, TEST_TUNING } from "./support/machine-harness.js";

const S = DeviceState;

beforeEach(() => {
  jest.useFakeTimers({ now: new Date("2025-03-03T07:00:00Z") });
});
afterEach(() => {
  jest.useRealTimers();
});

function assigned(id: string, host = `10.0.0.${id.length}`, commKey = 0): AssignedDevice {
  return {
    device: {
      id,
      name: id,
      serial: "",
      host,
      port: 4370,
      transport: 1,
      pullIntervalSeconds: 0,
      clearPolicy: undefined,
    },
    commKey,
    cursor: undefined,
    clock: undefined,
  };
}

const assignment = (...devices: AssignedDevice[]): DeviceAssignment => ({
  placeId: "p1",
  timezone: "Africa/Lagos",
  devices,
});

function start() {
  const link = new FakeLink();
  const ports = new Map<string, FakeDevice[]>();
  const actor = createActor(supervisorMachine, {
    input: {
      link,
      tuning: TEST_TUNING,
      syncSlots: new Limiter(2),
      random: () => 0.5,
      log: silentLog,
      createPort: (id: string, params: DeviceParams) => {
        const port = new FakeDevice();
        port.configure(params);
        ports.set(id, [...(ports.get(id) ?? []), port]);
        return port;
      },
    },
  }).start();
  const port = (id: string): FakeDevice => ports.get(id)!.at(-1)!;
  return { link, ports, port, actor };
}

test("spawns an actor per assigned device, reconfigures changed ones, retires removed ones", async () => {
  const s = start();
  s.actor.send({
    type: "ASSIGNMENT",
    assignment: assignment(assigned("a"), assigned("bb"), assigned("ccc")),
  });
  await settle();
  expect(["a", "bb", "ccc"].map((id) => s.link.lastStatus(id)?.state)).toEqual([
    S.DEVICE_STATE_LIVE,
    S.DEVICE_STATE_LIVE,
    S.DEVICE_STATE_LIVE,
  ]);
  expect(s.actor.getSnapshot().context.running.size).toBe(3);

  // "bb" gets a comm key, "ccc" leaves the place.
  s.actor.send({ type: "ASSIGNMENT", assignment: assignment(assigned("a"), assigned("bb", "10.0.0.2", 99)) });
  await settle();
  expect(s.ports.get("bb")).toHaveLength(1); // the same actor and port, reconnected
  expect(s.port("bb").params?.commKey).toBe(99);
  expect(s.port("bb").count("connect")).toBe(2);
  expect(s.port("a").count("connect")).toBe(1); // untouched
  expect(s.link.lastStatus("ccc")).toMatchObject({ state: S.DEVICE_STATE_DISABLED });
  expect(s.port("ccc").isConnected).toBe(false);
  expect(s.actor.getSnapshot().context.running.size).toBe(2);

  // Back again: a fresh actor.
  s.actor.send({
    type: "ASSIGNMENT",
    assignment: assignment(assigned("a"), assigned("bb", "10.0.0.2", 99), assigned("ccc")),
  });
  await settle();
  expect(s.ports.get("ccc")).toHaveLength(2);
  expect(s.link.lastStatus("ccc")?.state).toBe(S.DEVICE_STATE_LIVE);
  s.actor.stop();
});

test("routes commands to their device and refuses commands for devices it does not run", async () => {
  const s = start();
  s.actor.send({ type: "ASSIGNMENT", assignment: assignment(assigned("a")) });
  await settle();
  s.actor.send({ type: "COMMAND", command: { commandId: "1", deviceId: "a", syncTime: {} } });
  s.actor.send({ type: "COMMAND", command: { commandId: "2", deviceId: "zz", syncTime: {} } });
  await settle();
  expect(s.link.completed).toEqual([
    expect.objectContaining({ commandId: "2", ok: false, retryable: true }),
    expect.objectContaining({ commandId: "1", ok: true }),
  ]);
  s.actor.stop();
});

test("STOP closes every device session and then finishes", async () => {
  const s = start();
  s.actor.send({ type: "ASSIGNMENT", assignment: assignment(assigned("a"), assigned("bb")) });
  await settle();
  s.actor.send({ type: "STOP" });
  await settle();
  expect(s.actor.getSnapshot().status).toBe("done");
  expect(s.port("a").isConnected).toBe(false);
  expect(s.port("bb").isConnected).toBe(false);
  expect(s.port("a").calls.at(-1)).toBe("close");
  expect(s.link.lastStatus("a")).toMatchObject({
    state: S.DEVICE_STATE_UNKNOWN,
    detail: "supervisor stopped",
  });
});
