// The CLIs as other people's scripts use them: real processes, real sockets, JSON on stdout,
// one line on stderr and a non-zero exit on bad input.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { waitFor } from "../client/helpers.js";

jest.setTimeout(30_000);

const ROOT = path.resolve(__dirname, "../../../..");
const ZK_SIM = path.join(ROOT, "packages/zk/bin/zk-sim.js");
const ZKCTL = path.join(ROOT, "packages/zk/bin/zkctl.js");
const WALL_CLOCK = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a CLI to completion (bounded by a kill timeout). */
function run(bin: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: ROOT, timeout: 15_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// JSON printed by the CLI is checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function zkctlJson(port: number, ...args: string[]): Promise<any> {
  const r = await run(ZKCTL, [...args, "--host", "127.0.0.1", "--port", String(port), "--json"]);
  if (r.code !== 0) throw new Error(`zkctl ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  expect(r.stdout.endsWith("\n")).toBe(true);
  return JSON.parse(r.stdout);
}

/** Exit non-zero with exactly one line on stderr, no stack trace; returns that line. */
function expectOneLineFailure(r: Run): string {
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBeNull();
  expect(r.stderr).not.toContain("    at ");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]!.length).toBeGreaterThan(10);
  return lines[0]!;
}

interface Sim {
  proc: ChildProcess;
  port: number;
  ready: string;
  exited: Promise<number | null>;
}

/** A port P with P..P+span-1 free on TCP (and so probably UDP); below the ephemeral range. */
async function freePorts(span: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 12_000);
    const servers: net.Server[] = [];
    try {
      for (let i = 0; i < span; i++) {
        const server = net.createServer();
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(base + i, "127.0.0.1", () => resolve());
        });
        servers.push(server);
      }
      return base;
    } catch {
      // taken: try another base
    } finally {
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    }
  }
}

/** Start zk-sim and wait for its READY line (or its exit, which fails the test). */
async function startSim(args: (port: number) => string[], span: number): Promise<Sim> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePorts(span);
    const proc = spawn(process.execPath, [ZK_SIM, "--port", String(port), ...args(port)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const lines = createInterface({ input: proc.stdout! });
    const ready = await Promise.race([
      new Promise<string>((resolve) => lines.once("line", resolve)),
      exited.then(() => undefined),
    ]);
    if (ready !== undefined) return { proc, port, ready, exited };
    // Lost a race for the port with another process: pick another one.
    if (!/in use/.test(stderr) || attempt >= 3) throw new Error(`zk-sim exited: ${stderr}`);
  }
}

async function stopSim(sim: Sim | undefined): Promise<void> {
  if (!sim || sim.proc.exitCode !== null) return;
  sim.proc.kill("SIGTERM");
  await sim.exited;
}

beforeAll(() => {
  // The root `npm test` builds first; a bare jest run on a fresh clone builds here.
  if (!existsSync(path.join(ROOT, "packages/zk/dist/cli/zkctl-main.js"))) {
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", "packages/zk"], {
      cwd: ROOT,
    });
  }
});

describe("zk-sim --devices 2 with zkctl", () => {
  let sim: Sim;
  let port0: number;
  let port1: number;
  beforeAll(async () => {
    sim = await startSim(() => ["--devices", "2", "--users", "12", "--records", "345", "--seed", "1"], 3);
    port0 = sim.port;
    port1 = sim.port + 1;
  });
  afterAll(() => stopSim(sim));

  test("prints exactly READY host:port,host:port", () => {
    expect(sim.ready).toBe(`READY 127.0.0.1:${port0},127.0.0.1:${port1}`);
  });

  test("info --json has the contract keys and the seeded counts", async () => {
    const info = await zkctlJson(port0, "info");
    for (const key of [
      "serialNumber",
      "firmware",
      "platform",
      "deviceName",
      "mac",
      "users",
      "records",
      "usersCapacity",
      "recordsCapacity",
      "time",
    ]) {
      expect(info).toHaveProperty(key);
    }
    expect(info).toMatchObject({ users: 12, records: 345 });
    expect(typeof info.serialNumber).toBe("string");
    expect(info.serialNumber).not.toBe("");
    expect(info.usersCapacity).toBeGreaterThanOrEqual(12);
    expect(info.recordsCapacity).toBeGreaterThanOrEqual(345);
    expect(info.time).toMatch(WALL_CLOCK);
    // The second device is another terminal.
    const other = await zkctlJson(port1, "info");
    expect(other.serialNumber).not.toBe(info.serialNumber);
  });

  test("users --json is an array of {uid, userId, name, privilege, card}", async () => {
    const users = await zkctlJson(port0, "users");
    expect(users).toHaveLength(12);
    for (const u of users) {
      expect(Object.keys(u).sort()).toEqual(["card", "name", "privilege", "uid", "userId"]);
      expect(Number.isInteger(u.uid)).toBe(true);
      expect(typeof u.userId).toBe("string");
      expect(typeof u.name).toBe("string");
      expect(["user", "admin", "enroller", "manager"]).toContain(u.privilege);
      expect(Number.isInteger(u.card)).toBe(true);
    }
  });

  test("attendance --json is an array of {uid, userId, timestamp, verify, punch}, the same over UDP", async () => {
    const records = await zkctlJson(port0, "attendance");
    expect(records).toHaveLength(345);
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(["punch", "timestamp", "uid", "userId", "verify"]);
      expect(r.timestamp).toMatch(WALL_CLOCK);
      expect(Number.isInteger(r.verify)).toBe(true);
      expect(Number.isInteger(r.punch)).toBe(true);
    }
    expect(await zkctlJson(port0, "attendance", "--udp")).toEqual(records);
  });

  test("add-user and delete-user round-trip", async () => {
    const added = await zkctlJson(
      port1,
      "add-user",
      "--uid",
      "300",
      "--user-id",
      "9300",
      "--name",
      "Ana Lima",
      "--privilege",
      "admin",
      "--card",
      "4242",
    );
    expect(added).toEqual({ uid: 300, userId: "9300", name: "Ana Lima", privilege: "admin", card: 4242 });
    const users = await zkctlJson(port1, "users");
    expect(users).toHaveLength(13);
    expect(users).toContainEqual(added);

    expect(await zkctlJson(port1, "delete-user", "--uid", "300")).toEqual({ deleted: 300 });
    const after = await zkctlJson(port1, "users");
    expect(after).toHaveLength(12);
    expect(after.map((u: { uid: number }) => u.uid)).not.toContain(300);
  });

  test("set-time and time round-trip", async () => {
    const set = await zkctlJson(port1, "set-time", "--time", "2030-01-02T03:04:05");
    expect(set.time).toMatch(/^2030-01-02T03:04:0[5-7]$/);
    const read = await zkctlJson(port1, "time");
    expect(Object.keys(read)).toEqual(["time"]);
    expect(read.time).toMatch(/^2030-01-02T03:04:0[5-9]$/);
  });

  test("clear-attendance says how many it cleared; the log is empty after", async () => {
    expect(await zkctlJson(port1, "clear-attendance")).toEqual({ cleared: 345 });
    expect(await zkctlJson(port1, "attendance")).toEqual([]);
    expect((await zkctlJson(port1, "info")).records).toBe(0);
  });

  describe("bad input: non-zero exit, one line on stderr, no stack trace", () => {
    const device = () => ["--host", "127.0.0.1", "--port", String(port0)];

    test("zkctl: unknown flag", async () => {
      const line = expectOneLineFailure(await run(ZKCTL, ["info", ...device(), "--bogus"]));
      expect(line).toContain("--bogus");
    });

    test.each(["0", "70000", "abc"])("zkctl: bad port %s", async (port) => {
      const line = expectOneLineFailure(await run(ZKCTL, ["info", "--host", "127.0.0.1", "--port", port]));
      expect(line).toContain("--port");
    });

    test("zkctl: unknown command", async () => {
      const line = expectOneLineFailure(await run(ZKCTL, ["frobnicate", ...device()]));
      expect(line).toContain("frobnicate");
    });

    test("zkctl: unreachable device (closed port)", async () => {
      const closed = await freePorts(1);
      const line = expectOneLineFailure(
        await run(ZKCTL, ["info", "--host", "127.0.0.1", "--port", `${closed}`]),
      );
      expect(line).toContain(`127.0.0.1:${closed}`);
    });

    test("zk-sim: bad --fault spec", async () => {
      const line = expectOneLineFailure(
        await run(ZK_SIM, ["--port", String(port0 + 2), "--fault", "explode=1"]),
      );
      expect(line).toContain("explode");
    });

    test("zk-sim: bad port", async () => {
      expectOneLineFailure(await run(ZK_SIM, ["--port", "70000"]));
    });

    test("zk-sim: port in use", async () => {
      const line = expectOneLineFailure(await run(ZK_SIM, ["--port", String(port1), "--users", "1"]));
      expect(line).toContain("in use");
    });
  });
});

describe("zk-sim --comm-key", () => {
  let sim: Sim;
  beforeAll(async () => {
    sim = await startSim(() => ["--users", "3", "--records", "5", "--comm-key", "2468"], 1);
  });
  afterAll(() => stopSim(sim));

  test("zkctl with the right key reads the device", async () => {
    expect(await zkctlJson(sim.port, "users", "--comm-key", "2468")).toHaveLength(3);
  });

  test.each([
    ["a wrong key", ["--comm-key", "1357"]],
    ["no key", []],
  ])("zkctl with %s fails in one line that mentions --comm-key", async (_what, key) => {
    const line = expectOneLineFailure(
      await run(ZKCTL, ["info", "--host", "127.0.0.1", "--port", String(sim.port), ...key]),
    );
    expect(line).toContain("--comm-key");
  });
});

describe("zkctl live --json", () => {
  let sim: Sim;
  let control: string;
  beforeAll(async () => {
    // The control API listens on the port after the device's.
    sim = await startSim((port) => ["--users", "4", "--records", "0", "--control-port", String(port + 1)], 2);
    control = `http://127.0.0.1:${sim.port + 1}`;
  });
  afterAll(() => stopSim(sim));

  let punches = 0;
  /** A punch at the terminal, each with its own timestamp. */
  async function punch(): Promise<{ userId: string; timestamp: string; verify: number; punch: number }> {
    const n = punches++;
    const timestamp = `2031-03-04T05:${String(Math.floor(n / 60)).padStart(2, "0")}:${String(n % 60).padStart(2, "0")}`;
    const res = await fetch(`${control}/devices/0/punch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "1002", timestamp, verify: 1, punch: 0 }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { userId: string; timestamp: string; verify: number; punch: number };
  }

  test("prints one JSON object per line for each punch, and exits 0 on SIGINT", async () => {
    const live = spawn(
      process.execPath,
      [ZKCTL, "live", "--host", "127.0.0.1", "--port", String(sim.port), "--json"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => live.once("exit", (code) => resolve(code)));
    const lines: string[] = [];
    createInterface({ input: live.stdout! }).on("line", (l) => lines.push(l));
    let stderr = "";
    live.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    try {
      // zkctl says nothing when it has registered: punch until the first event shows up.
      await waitFor(
        async () => {
          if (lines.length > 0) return true;
          if (live.exitCode !== null) throw new Error(`zkctl live exited: ${stderr}`);
          await punch();
          return false;
        },
        10_000,
        "a first live event",
      );
      // Registered: now every punch is one line, in order (events of earlier punches may still
      // be on their way, so wait for the last one's line).
      const a = await punch();
      const b = await punch();
      await waitFor(() => lines.some((l) => l.includes(b.timestamp)), 5_000, "the last punch's line");
      const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const o of objects) {
        expect(Object.keys(o).sort()).toEqual(["device", "punch", "timestamp", "userId", "verify"]);
        expect(o.device).toBe(`127.0.0.1:${sim.port}`);
      }
      expect(objects.slice(-2)).toEqual(
        [a, b].map((r) => ({
          device: `127.0.0.1:${sim.port}`,
          userId: r.userId,
          verify: r.verify,
          punch: r.punch,
          timestamp: r.timestamp,
        })),
      );
    } finally {
      live.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe("");
  });
});

describe("a device log with corrupt records (zk-sim --corrupt-records, POST corrupt-record)", () => {
  let sim: Sim;
  let control: string;
  beforeAll(async () => {
    sim = await startSim(
      (port) => [
        ...["--users", "6", "--records", "50", "--seed", "3", "--corrupt-records", "7,20"],
        ...["--control-port", String(port + 1)],
      ],
      2,
    );
    control = `http://127.0.0.1:${sim.port + 1}`;
  });
  afterAll(() => stopSim(sim));

  test("zkctl attendance prints the readable records and warns on stderr how many could not be read, and why", async () => {
    const r = await run(ZKCTL, ["attendance", "--host", "127.0.0.1", "--port", String(sim.port), "--json"]);
    expect(r.code).toBe(0);
    const records = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(records).toHaveLength(48);
    for (const rec of records) expect(rec.timestamp).toMatch(WALL_CLOCK);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^zkctl: warning: 2 of 50 attendance records could not be read and are not in the output \(time value 0x\.\.\. decodes to an impossible date\):$/,
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^ {2}record 7: time value 0x[0-9a-f]+ decodes to an impossible date; bytes [0-9a-f]{80}$/,
      ),
      expect.stringMatching(/^ {2}record 20: .*; bytes [0-9a-f]{80}$/),
    ]);
    // The table output says the same.
    const table = await run(ZKCTL, ["attendance", "--host", "127.0.0.1", "--port", String(sim.port)]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("48 records\n");
    expect(table.stderr).toContain("2 of 50 attendance records could not be read");
  });

  test("the control API plants one more at the end; a bad request is a 400 that says why", async () => {
    const res = await fetch(`${control}/devices/0/corrupt-record`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ timeValue: 0xffffffff }),
    });
    expect(res.status).toBe(201);
    const planted = (await res.json()) as { index: number; bytes: string };
    expect(planted.index).toBe(50);
    const r = await run(ZKCTL, ["attendance", "--host", "127.0.0.1", "--port", String(sim.port), "--json"]);
    expect(r.stderr).toContain("3 of 51 attendance records could not be read");
    expect(r.stderr).toContain(
      `  record 50: time value 0xffffffff decodes to an impossible date; bytes ${planted.bytes}`,
    );
    const bad = await fetch(`${control}/devices/0/corrupt-record`, {
      method: "POST",
      body: JSON.stringify({ index: 999 }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("no attendance record 999");
  });

  test("zk-sim: a position past the log is a usage error", async () => {
    const line = expectOneLineFailure(
      await run(ZK_SIM, ["--port", String(sim.port + 2), "--records", "5", "--corrupt-records", "5"]),
    );
    expect(line).toContain("--corrupt-records: no attendance record 5");
  });
});

test("zk-sim stops when the process that started it is gone (npx runs it under sh -c)", async () => {
  const port = await freePorts(1);
  // sh stays the parent (a command follows), as under `npx zk-sim`; killing sh does not kill node.
  const sh = spawn("sh", ["-c", `"${process.execPath}" "${ZK_SIM}" --port ${port} --records 3; true`], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "ignore"],
  });
  const lines = createInterface({ input: sh.stdout! });
  expect(await new Promise<string>((resolve) => lines.once("line", resolve))).toBe(`READY 127.0.0.1:${port}`);
  const listening = (): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
  expect(await listening()).toBe(true);
  sh.kill("SIGKILL");
  await waitFor(async () => !(await listening()), 10_000, "zk-sim to let go of its port");
});
