import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DeviceState, DeviceTransport } from "@biometricflow/proto";
import { startDevice, type DeviceServer } from "@biometricflow/zk/dist/simulator/index.js";
import { LinkServer } from "./support/link-server.js";
import { waitFor } from "./support/wait-for.js";

jest.setTimeout(60_000);

const bin = join(__dirname, "..", "bin", "bf-supervisor.js");
let child: ChildProcess | undefined;
let device: DeviceServer | undefined;
let server: LinkServer | undefined;

afterEach(async () => {
  child?.kill("SIGKILL");
  await server?.stop();
  await device?.close();
});

test("bf-supervisor prints one READY line once attached; SIGTERM during a locked read re-enables the device and exits 0", async () => {
  expect(existsSync(join(__dirname, "..", "dist", "main.js"))).toBe(true); // built by `npx tsc -b` (npm test does it)
  // A slow device with a big log: the read (keypad disabled) takes seconds.
  device = await startDevice({ seed: 3, users: 20, records: 20_000, faults: "latency=120" });
  server = await new LinkServer({
    placeId: "place-proc",
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    devices: [
      {
        device: {
          id: "d1",
          name: "Gate",
          serial: "",
          host: device.host,
          port: device.port,
          transport: DeviceTransport.DEVICE_TRANSPORT_TCP,
          pullIntervalSeconds: 0,
          clearPolicy: undefined,
        },
        commKey: 0,
        cursor: undefined,
        clock: undefined,
      },
    ],
  }).start();
  const env = {
    ...process.env,
    SUPERVISOR_ID: "sup-proc",
    SUPERVISOR_PLACES: server.address,
    SUPERVISOR_DEVICE__START_SPREAD_SECONDS: "0",
    LOG_LEVEL: "warn",
  };
  child = spawn(process.execPath, [bin], { env, stdio: ["ignore", "pipe", "inherit"] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

  await waitFor("READY", () => lines.some((l) => l.startsWith("READY ")), 15_000);
  expect(JSON.parse(lines[0]!.slice("READY ".length))).toEqual({
    supervisor: "sup-proc",
    places: [server.address],
    grpc: expect.stringMatching(/^0\.0\.0\.0:\d+$/),
  });
  await waitFor("the device disabled for the read", () => !device!.state.enabled, 15_000);

  child.kill("SIGTERM");
  expect(await exited).toBe(0);
  expect(device.state.enabled).toBe(true);
  expect(lines.filter((l) => l.startsWith("READY"))).toHaveLength(1);
  expect(server.lastStatus("d1")).toMatchObject({
    state: DeviceState.DEVICE_STATE_UNKNOWN,
    detail: "supervisor stopped",
  });
});

test("bf-supervisor refuses to start without a place, saying what is missing", async () => {
  const env = { ...process.env, SUPERVISOR_PLACES: "" };
  child = spawn(process.execPath, [bin], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child!.once("exit", (c) => resolve(c)));
  expect(code).toBe(2);
  expect(stderr).toMatch(/places/);
  expect(stderr).toContain("SUPERVISOR_PLACES=host:port");
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
});

test("an unknown flag is a usage error with exit 2, not ignored", async () => {
  child = spawn(process.execPath, [bin, "--places", "x:1"], {
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child!.once("exit", (c) => resolve(c)));
  expect(code).toBe(2);
  expect(stderr.trim()).toBe(
    "bf-supervisor: Unknown option '--places'; usage: bf-supervisor [--config FILE] (places from the file or SUPERVISOR_PLACES=host:port,...)",
  );
});
