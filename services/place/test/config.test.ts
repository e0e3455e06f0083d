import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@biometricflow/config";
import { loadPlaceConfig } from "../src/config.js";
import { tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.remove());

const minimal = `
id: hq
name: Head office
timezone: Africa/Lagos
devices:
  - { id: gate, serial: S1, host: 10.0.0.5 }
journal: { path: data/hq.db }
`;

function file(text: string, name = "place.yaml"): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

/** The ConfigError message for a config, or a failure if it loads. */
function problems(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  try {
    loadPlaceConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("the config loaded");
}

test("a minimal file gets the documented defaults; the journal path is relative to the file", () => {
  const c = loadPlaceConfig(["--config", file(minimal)], {});
  expect(c.grpc).toEqual({ host: "0.0.0.0", port: 50051 });
  expect(c.rules).toMatchObject({
    shiftStart: "08:00",
    shiftEnd: "17:00",
    weekendDays: [0, 6],
    holidays: [],
  });
  expect(c.devices[0]).toMatchObject({ port: 4370, transport: "tcp", commKey: 0, pullIntervalSeconds: 60 });
  expect(c.devices[0]!.clearPolicy).toEqual({ enabled: false, thresholdPercent: 80 });
  expect(c.clock).toMatchObject({ autoCorrect: false, checkIntervalSeconds: 600 });
  expect(c.journal.path).toBe(join(tmp.dir, "data/hq.db"));
});

test("PLACE_CONFIG names the file; variables override it; JSON works too", () => {
  const json = file(
    JSON.stringify({ id: "hq", name: "HQ", timezone: "Africa/Lagos", journal: { path: "/j.db" } }),
    "p.json",
  );
  const c = loadPlaceConfig([], { PLACE_CONFIG: json, PLACE_GRPC__PORT: "0", PLACE_NAME: "Renamed" });
  expect(c).toMatchObject({ name: "Renamed", grpc: { port: 0 }, journal: { path: "/j.db" } });
});

test("every problem is reported with the path of the bad field", () => {
  const bad = `
id: "has spaces"
name: HQ
timezone: Africa/Lagos
rules: { shiftStart: "8am", holidays: ["2025-02-30"], weekendDays: [7] }
devices:
  - { id: gate, serial: S1, host: h, port: 70000, transport: serial }
  - { id: gate, serial: S1, host: h, clearPolicy: { thresholdPercent: 0 } }
grpc: { prot: 1 }
journal: { path: j.db }
`;
  const message = problems(["--config", file(bad)]);
  for (const path of [
    "id:",
    "rules.shiftStart:",
    "rules.holidays.0:",
    "rules.weekendDays.0:",
    "devices.0.port:",
    "devices.0.transport:",
    "devices.1.id: duplicate id",
    "devices.1.serial: duplicate serial",
    "devices.1.clearPolicy.thresholdPercent:",
    "grpc:",
  ]) {
    expect(message).toContain(path);
  }
  expect(message).toMatch(/prot/); // the unknown key is named
});

test("a UTC placeholder is refused with the reason, unless allowUtcTimezone is set", () => {
  const path = file(minimal.replace("Africa/Lagos", "Etc/UTC"));
  expect(problems(["--config", path])).toMatch(/timezone: "Etc\/UTC" is a placeholder.*correction loops/s);
  expect(loadPlaceConfig(["--config", path], { PLACE_ALLOW_UTC_TIMEZONE: "true" }).timezone).toBe("Etc/UTC");
});

test("a missing file, bad YAML, a bad flag and no config at all are readable errors", () => {
  expect(problems(["--config", join(tmp.dir, "nope.yaml")])).toMatch(
    /cannot read config file .*nope.yaml: ENOENT/,
  );
  expect(problems(["--config", file("id: [unclosed")])).toMatch(/not valid YAML/);
  expect(problems(["--confg", "x"])).toMatch(/Unknown option '--confg'.*usage: bf-place/);
  expect(problems([])).toMatch(/id: .*\n[\s\S]*no config file given: pass --config FILE or set PLACE_CONFIG/);
});
