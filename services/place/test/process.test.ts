import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { PlaceServiceDefinition, SupervisorLinkServiceDefinition } from "@biometricflow/proto";
import { punches, take, tempDir } from "./helpers.js";

// Runs the built service (dist/), as operators do: build first with `npx tsc -b`.
const root = join(__dirname, "..");
const bin = join(root, "bin", "bf-place.js");

function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

beforeAll(() => {
  // tsc -b rewrites .tsbuildinfo whenever it rebuilds a project; older than a source means stale.
  for (const project of [root, join(root, "..", "..", "packages", "grpc-kit")]) {
    const built = statSync(join(project, "dist", ".tsbuildinfo"), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built < newest(join(project, "src")))
      throw new Error(`${project}/dist is missing or stale: run \`npx tsc -b\``);
  }
});

interface Proc {
  child: ChildProcess;
  ready: { place: string; grpc: string };
  stdoutLines: string[];
  stderr: () => string;
}

async function startProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: "warn" },
  });
  let stderr = "";
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
  const stdoutLines: string[] = [];
  const ready = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      stdoutLines.push(line);
      resolve(line);
    });
    child.on("exit", (code) => reject(new Error(`bf-place exited (${code}) before READY: ${stderr}`)));
  });
  expect(ready).toMatch(/^READY \{"place":"[^"]+","grpc":"127\.0\.0\.1:\d+"\}$/);
  return { child, ready: JSON.parse(ready.slice(6)) as Proc["ready"], stdoutLines, stderr: () => stderr };
}

async function kill(p: Proc, signal: NodeJS.Signals): Promise<number | null> {
  const exited = once(p.child, "exit");
  p.child.kill(signal);
  return ((await exited) as [number | null])[0];
}

let tmp: ReturnType<typeof tempDir>;
let configPath: string;
beforeEach(() => {
  tmp = tempDir();
  configPath = join(tmp.dir, "place.yaml");
  writeFileSync(
    configPath,
    [
      "id: proc-site",
      "name: Process test",
      "timezone: Africa/Lagos",
      "devices: [{ id: d1, serial: SER-1, host: 127.0.0.1 }]",
      "grpc: { host: 127.0.0.1, port: 0 }",
      "journal: { path: data/journal.db }",
    ].join("\n"),
  );
});
afterEach(() => tmp.remove());

test("kill -9 mid-ingest, restart: every acknowledged batch is there, whole, once, with its cursor", async () => {
  const first = await startProcess(["--config", configPath]);
  expect(first.ready.place).toBe("proc-site");
  const link = createChannelClient(SupervisorLinkServiceDefinition, first.ready.grpc);
  let acked = 0;
  let killed = false;
  let fiveAcked = (): void => undefined;
  const someLanded = new Promise<void>((resolve) => (fiveAcked = resolve));
  const writing = (async () => {
    for (let batch = 0; !killed; batch++) {
      const cursor = { recordsIngested: (batch + 1) * 100, lastLocalTime: "", lastUserId: "" };
      await link.client.ingestPunches({
        deviceId: "d1",
        deviceSerial: "SER-1",
        punches: punches(100, { user: `b${batch}` }),
        cursor,
      });
      acked = batch + 1;
      if (acked === 5) fiveAcked(); // the writer keeps going: the kill lands mid-ingest
    }
  })().catch(() => undefined); // the call in flight at the kill fails
  await someLanded;
  killed = true;
  expect(await kill(first, "SIGKILL")).toBeNull();
  await writing;
  link.close();

  const second = await startProcess([], { PLACE_CONFIG: configPath });
  const api = createChannelClient(PlaceServiceDefinition, second.ready.grpc);
  const link2 = createChannelClient(SupervisorLinkServiceDefinition, second.ready.grpc);
  const { headOffset } = await api.client.getPlace({});
  expect(headOffset).toBeGreaterThanOrEqual(acked * 100);
  expect(headOffset % 100).toBe(0); // a batch is stored whole or not at all
  const [all] = await take(api.client.watchPunches({ fromOffset: 0, maxBatch: 10_000 }), 1);
  expect(all!.punches.map((p) => p.offset)).toEqual(Array.from({ length: headOffset }, (_, i) => i + 1));
  const [assignment] = await take(link2.client.attach({ supervisorId: "s1" }), 1);
  expect(assignment!.assignment!.devices[0]!.cursor!.recordsIngested).toBe(headOffset);
  // A supervisor that resends what it had not seen acknowledged creates no duplicates.
  const again = await link2.client.ingestPunches({
    deviceId: "d1",
    deviceSerial: "SER-1",
    punches: punches(100, { user: "b0" }),
  });
  expect(again).toEqual({ stored: 0, duplicates: 100, rejected: 0, headOffset });
  api.close();
  link2.close();

  expect(await kill(second, "SIGTERM")).toBe(0);
  expect(second.stdoutLines).toHaveLength(1); // stdout carries the READY line and nothing else
});

test("a bad config exits 2 with one readable message and no stack trace", async () => {
  writeFileSync(
    configPath,
    "id: x\nname: X\ntimezone: Etc/UTC\njournal: { path: j.db }\ngrpc: { port: -1 }\n",
  );
  const child = spawn(process.execPath, [bin, "--config", configPath]);
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
  const [code] = (await once(child, "exit")) as [number];
  expect(code).toBe(2);
  expect(stdout).toBe("");
  expect(stderr).toMatch(/^bf-place: invalid configuration/);
  expect(stderr).toContain("timezone:");
  expect(stderr).toContain("grpc.port:");
  expect(stderr).not.toMatch(/\n\s+at /);
});

test("a journal held by another place process is refused with a message (exit 1)", async () => {
  const holder = await startProcess(["--config", configPath]);
  const child = spawn(process.execPath, [bin, "--config", configPath], {
    env: { ...process.env, PLACE_GRPC__PORT: "0" },
  });
  let stderr = "";
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
  const [code] = (await once(child, "exit")) as [number];
  expect(code).toBe(1);
  expect(stderr).toMatch(/in use by another process/);
  expect(await kill(holder, "SIGTERM")).toBe(0);
}, 30_000); // two process starts and SQLite's 2 s busy wait: near 5 s on 2 busy cores
