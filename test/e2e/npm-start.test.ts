import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { repoRoot, workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";

// `npm start` as its users run it: READY with the contract's fields, then a signal stops every
// process it started, even one that arrives the instant READY is out.
jest.setTimeout(120_000);

let work: ReturnType<typeof workDir>;
let child: ChildProcess | undefined;
beforeAll(() => (work = workDir("npm-start")));
afterAll(() => {
  child?.kill("SIGKILL");
  work.remove();
});

/** Processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("READY carries clickhouse, places, aggregator and devices; SIGINT right after it stops everything", async () => {
  child = spawn(
    process.execPath,
    [
      path.join(repoRoot, "packages/stack/dist/start-main.js"),
      ...["--places", "2", "--devices-per-place", "1", "--records", "30", "--data-dir", work.dir],
    ],
    { env: { ...process.env, CLICKHOUSE_URL: "" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child!.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child!.stdout! }).on("line", (line) => {
      if (line.startsWith("READY ")) resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
    });
    void exited.then(({ code }) => reject(new Error(`npm start exited (${code}) before READY`)));
  });
  const started = childrenOf(child.pid!);
  child.kill("SIGINT"); // at once: the handler must already be in place

  expect(ready.clickhouse).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(ready.aggregator).toMatch(/^[\w.-]+:\d+$/);
  expect(ready.places).toEqual([
    expect.objectContaining({ id: expect.any(String), grpc: expect.stringMatching(/:\d+$/) }),
    expect.objectContaining({ id: expect.any(String), grpc: expect.stringMatching(/:\d+$/) }),
  ]);
  expect(ready.devices).toHaveLength(2);
  for (const d of ready.devices as Record<string, unknown>[])
    expect(d).toEqual(
      expect.objectContaining({
        place: expect.any(String),
        host: expect.any(String),
        port: expect.any(Number),
      }),
    );
  // ClickHouse, a simulator and a place per site, the supervisor, the aggregator.
  expect(started.length).toBeGreaterThanOrEqual(6);

  expect(await exited).toEqual({ code: 0, signal: null });
  await eventually("every process npm start started to exit", () => started.every((pid) => !alive(pid)), {
    timeoutMs: 20_000,
    describe: () => `still alive: ${started.filter(alive).join(", ")}`,
  });
});
