import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import {
  DeviceState,
  DeviceTransport,
  PlaceLinkState,
  SupervisorServiceDefinition,
  type AssignedDevice,
} from "@biometricflow/proto";
import { startDevice, type DeviceServer } from "@biometricflow/zk/dist/simulator/index.js";
import { createChannel, createClient, type Channel } from "nice-grpc";
import { HealthDefinition } from "nice-grpc-server-health";
import { ServerReflectionService } from "nice-grpc-server-reflection";
import { ServerReflectionRequest } from "nice-grpc-server-reflection/lib/proto/grpc/reflection/v1/reflection_pb";
import { LinkServer } from "./support/link-server.js";
import { waitFor } from "./support/wait-for.js";

// bf-supervisor's own gRPC server, on a real process: health follows the place link, reflection
// lists the services, GetSupervisorStatus shows each device actor.
jest.setTimeout(60_000);

const bin = join(__dirname, "..", "bin", "bf-supervisor.js");
const SERVING = 1;
const NOT_SERVING = 2;

let child: ChildProcess | undefined;
let devices: DeviceServer[] = [];
let server: LinkServer | undefined;
let channel: Channel | undefined;

afterEach(async () => {
  channel?.close();
  child?.kill("SIGKILL");
  server?.kill();
  await Promise.all(devices.map((d) => d.close()));
  devices = [];
});

function assigned(id: string, d: DeviceServer | { host: string; port: number }): AssignedDevice {
  return {
    device: {
      id,
      name: id,
      serial: "",
      host: d.host,
      port: d.port,
      transport: DeviceTransport.DEVICE_TRANSPORT_TCP,
      pullIntervalSeconds: 0,
      clearPolicy: undefined,
    },
    commKey: 0,
    cursor: undefined,
    clock: undefined,
  };
}

async function listServices(ch: Channel): Promise<string[]> {
  async function* ask() {
    yield new ServerReflectionRequest().setListServices("*");
  }
  const names: string[] = [];
  for await (const a of createClient(ServerReflectionService, ch).serverReflectionInfo(ask()))
    names.push(
      ...(a
        .getListServicesResponse()
        ?.getServiceList()
        .map((s) => s.getName()) ?? []),
    );
  return names;
}

test("health is SERVING while attached and NOT_SERVING once the place is gone; reflection and status answer", async () => {
  devices = [await startDevice({ seed: 5, users: 5, records: 50 })];
  // d2 points at a port nobody listens on: it backs off with a last error.
  server = await new LinkServer({
    placeId: "place-grpc",
    timezone: "Africa/Lagos",
    devices: [assigned("d1", devices[0]!), assigned("d2", { host: "127.0.0.1", port: 1 })],
  }).start();
  child = spawn(process.execPath, [bin], {
    env: {
      ...process.env,
      SUPERVISOR_ID: "sup-grpc",
      SUPERVISOR_PLACES: server.address,
      SUPERVISOR_GRPC__HOST: "127.0.0.1",
      SUPERVISOR_DEVICE__START_SPREAD_SECONDS: "0",
      SUPERVISOR_BACKOFF__INITIAL_MS: "200",
      SUPERVISOR_BACKOFF__MAX_MS: "500",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "ignore"], // the cut link's warnings are expected
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  await waitFor("READY", () => lines.some((l) => l.startsWith("READY ")), 15_000);
  const ready = JSON.parse(lines[0]!.slice("READY ".length)) as { grpc: string };
  expect(ready).toEqual({
    supervisor: "sup-grpc",
    places: [server.address],
    grpc: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
  });
  channel = createChannel(ready.grpc);
  const health = createClient(HealthDefinition, channel);
  const status = createClient(SupervisorServiceDefinition, channel);

  expect((await health.check({ service: "" })).status).toBe(SERVING);
  expect((await health.check({ service: SupervisorServiceDefinition.fullName })).status).toBe(SERVING);
  expect(await listServices(channel)).toEqual([SupervisorServiceDefinition.fullName]);

  await server.until("d1 live", () => server!.lastStatus("d1")?.state === DeviceState.DEVICE_STATE_LIVE);
  await server.until("d2 backing off", () => (server!.lastStatus("d2")?.consecutiveFailures ?? 0) > 0);
  const answer = await status.getSupervisorStatus({});
  expect(answer.supervisorId).toBe("sup-grpc");
  expect(answer.places).toHaveLength(1);
  const [place] = answer.places;
  expect(place).toMatchObject({
    address: server.address,
    placeId: "place-grpc",
    timezone: "Africa/Lagos",
    state: PlaceLinkState.PLACE_LINK_STATE_ATTACHED,
  });
  const byId = new Map(place!.devices.map((d) => [d.status?.deviceId, d]));
  expect([...byId.keys()].sort()).toEqual(["d1", "d2"]);
  expect(byId.get("d1")).toMatchObject({
    machineState: expect.stringMatching(/^active\.live\./),
    status: { state: DeviceState.DEVICE_STATE_LIVE },
    cursor: { recordsIngested: 50 },
    queuedCommands: 0,
  });
  expect(byId.get("d2")!.machineState).toMatch(/^active\.(backingOff|connecting)$/);
  expect(byId.get("d2")!.status!.detail).toMatch(/127\.0\.0\.1:1/);

  // The place vanishes: the link retries, health says NOT_SERVING, the devices keep running.
  server.kill();
  await waitFor(
    "NOT_SERVING",
    async () => (await health.check({ service: "" })).status === NOT_SERVING,
    15_000,
  );
  const cut = (await status.getSupervisorStatus({})).places[0]!;
  expect(cut.state).not.toBe(PlaceLinkState.PLACE_LINK_STATE_ATTACHED);
  expect(cut.lastError).not.toBe("");
  expect(cut.devices.map((d) => d.status?.deviceId).sort()).toEqual(["d1", "d2"]);
});
