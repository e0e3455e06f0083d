import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSupervisorConfig } from "../src/config.js";

test("environment over file over defaults; places as a list or comma-separated", () => {
  const dir = mkdtempSync(join(tmpdir(), "sup-config-"));
  const file = join(dir, "supervisor.yaml");
  writeFileSync(file, "id: sup-a\nplaces: [place-lagos:50051]\ndevice:\n  probeIntervalSeconds: 20\n");
  const fromFile = loadSupervisorConfig(["--config", file], {});
  expect(fromFile).toMatchObject({
    id: "sup-a",
    places: ["place-lagos:50051"],
    device: { probeIntervalSeconds: 20, timeoutMs: 5_000 },
  });
  expect(fromFile.backoff).toEqual({
    initialMs: 1_000,
    maxMs: 300_000,
    jitter: 0.25,
    failedRetrySeconds: 900,
  });
  const env = { SUPERVISOR_PLACES: "a:1, b:2", SUPERVISOR_DEVICE__PROBE_INTERVAL_SECONDS: "5" };
  expect(loadSupervisorConfig(["--config", file], env)).toMatchObject({
    places: ["a:1", "b:2"],
    device: { probeIntervalSeconds: 5 },
  });
});

test("a missing or malformed place address stops start-up with its path", () => {
  expect(() => loadSupervisorConfig([], {})).toThrow(/places/);
  expect(() => loadSupervisorConfig([], { SUPERVISOR_PLACES: "lagos" })).toThrow(
    /places\.0: expected host:port/,
  );
  expect(() =>
    loadSupervisorConfig([], { SUPERVISOR_PLACES: "a:1", SUPERVISOR_DEVICE__PROBE_INTERVAL_SECONDS: "0" }),
  ).toThrow(/device\.probeIntervalSeconds/);
});

test("an ingest batch too big to ever be sent is refused at start, with the limit", () => {
  expect(() =>
    loadSupervisorConfig([], { SUPERVISOR_PLACES: "a:1", SUPERVISOR_INGEST__BATCH_SIZE: "50000" }),
  ).toThrow(/ingest\.batchSize: at most 10000 punches per call/);
  expect(loadSupervisorConfig([], { SUPERVISOR_PLACES: "a:1" }).ingest.batchSize).toBe(5_000);
});
