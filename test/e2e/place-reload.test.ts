import { readFileSync, writeFileSync } from "node:fs";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { DeviceState, SupervisorServiceDefinition } from "@biometricflow/proto";
import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "../support/paths.js";
import { PlaceProcess } from "../support/place.js";
import { eventually } from "../support/poll.js";
import { SimFleet } from "../support/sim-fleet.js";
import { supervisorProcess } from "../support/supervisor.js";

// The place's device list changes while it runs: its config file is edited, the supervisor's
// device actors are spawned and stopped accordingly, and a bad edit changes nothing.
jest.setTimeout(90_000);

const LIVE = DeviceState.DEVICE_STATE_LIVE;
let work: ReturnType<typeof workDir>;
let sim: SimFleet;
let place: PlaceProcess;
let supervisor: ServiceProcess | undefined;
let supervisorGrpc = "";

const deviceConfig = (i: number) => ({
  id: `reload-dev-${i}`,
  serial: sim.device(i).serial,
  host: sim.device(i).host,
  port: sim.device(i).port,
  pullIntervalSeconds: 5,
});

type FileConfig = { devices: ReturnType<typeof deviceConfig>[]; timezone: string } & Record<string, unknown>;
const readConfig = (): FileConfig => JSON.parse(readFileSync(place.configFile, "utf8")) as FileConfig;
const writeConfig = (c: FileConfig): void => writeFileSync(place.configFile, JSON.stringify(c));

async function states(): Promise<Record<string, DeviceState | undefined>> {
  const { devices } = await place.client.listDevices({});
  return Object.fromEntries(devices.map((d) => [d.device!.id, d.status?.state]));
}

async function supervisedIds(): Promise<string[]> {
  const channel = createChannelClient(SupervisorServiceDefinition, supervisorGrpc, { deadlineMs: 5_000 });
  try {
    const status = await channel.client.getSupervisorStatus({});
    return status.places.flatMap((p) => p.devices.map((d) => d.status!.deviceId)).sort();
  } finally {
    channel.close();
  }
}

beforeAll(async () => {
  work = workDir("place-reload");
  sim = await SimFleet.start({
    name: "reload",
    dir: work.dir,
    devices: 2,
    records: 100,
    seed: 71,
    timezone: "Africa/Lagos",
  });
  place = await PlaceProcess.start({
    id: "reload",
    timezone: "Africa/Lagos",
    dir: work.dir,
    devices: [deviceConfig(0)],
  });
  supervisor = supervisorProcess({ dir: work.dir, places: [place.address] });
  supervisorGrpc = ((await supervisor.start()) as { grpc: string }).grpc;
  await eventually("device 0 live", async () => (await states())["reload-dev-0"] === LIVE);
});
afterAll(async () => {
  await supervisor?.stop();
  await place?.stop();
  await sim?.stop();
  work?.remove();
});

test("a device added to the config file goes live and its punches are journaled; a removed one stops", async () => {
  const config = readConfig();
  writeConfig({ ...config, devices: [deviceConfig(0), deviceConfig(1)] });
  await eventually("device 1 live", async () => (await states())["reload-dev-1"] === LIVE, {
    describe: async () => JSON.stringify(await states()),
  });
  const punch = await sim.punch(1);
  await eventually("the new device's punch in the journal", async () =>
    (await place.journal()).some(
      (p) => p.deviceId === "reload-dev-1" && p.localTime === punch.timestamp && p.userId === punch.userId,
    ),
  );
  expect(await supervisedIds()).toEqual(["reload-dev-0", "reload-dev-1"]);

  writeConfig({ ...config, devices: [deviceConfig(1)] });
  await eventually("device 0 gone from the place", async () => !("reload-dev-0" in (await states())));
  await eventually("device 0's actor stopped", async () => (await supervisedIds()).join() === "reload-dev-1");
  await eventually("device 0's session closed", async () => (await sim.info(0)).connections === 0);
  expect(await states()).toEqual({ "reload-dev-1": LIVE });
});

test("a broken or restart-only edit is refused with one logged error; the place runs on, SIGHUP included", async () => {
  const before = readConfig();
  const logFile = `${work.dir}/place-reload.log`;
  const refusals = () => readFileSync(logFile, "utf8").match(/configuration reload refused/g)?.length ?? 0;
  const seen = refusals();

  writeFileSync(place.configFile, "{ this is not json");
  await eventually("the broken file refused", () => refusals() > seen);
  writeConfig({ ...before, timezone: "Asia/Tokyo", devices: [] });
  await eventually("the zone change refused", () => refusals() > seen + 1);
  const log = readFileSync(logFile, "utf8");
  expect(log).toMatch(
    /configuration reload refused, still running on the previous one: config file .* is not valid YAML\/JSON/,
  );
  expect(log).toMatch(/timezone cannot change while the place runs/);

  process.kill(place.process.pid!, "SIGHUP");
  await eventually("the SIGHUP reload refused too", () => refusals() > seen + 2);
  expect(place.process.running).toBe(true);
  expect(await states()).toEqual({ "reload-dev-1": LIVE });
  expect((await place.client.getPlace({})).place?.timezone).toBe("Africa/Lagos");
  writeConfig(before);
});
