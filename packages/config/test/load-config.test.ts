import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ConfigError, loadConfig } from "../src/index.js";

const schema = z.strictObject({
  id: z.string().min(1),
  verbose: z.boolean().default(false),
  ratio: z.number().default(0.5),
  grpc: z.strictObject({ host: z.string().default("0.0.0.0"), port: z.int().default(50051) }).prefault({}),
  devices: z
    .array(z.strictObject({ id: z.string(), host: z.string(), port: z.int().default(4370) }))
    .default([]),
  places: z.preprocess((v) => (typeof v === "string" ? v.split(",") : v), z.array(z.string()).default([])),
});

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "bf-config-"))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const load = (env: NodeJS.ProcessEnv, f?: string) =>
  loadConfig(schema, { file: f, envPrefix: "PLACE_", env });

test("environment over file over defaults, each value as its setting's type", () => {
  const f = file("a.yaml", "id: lagos\ngrpc:\n  port: 6000\n");
  expect(load({ PLACE_GRPC__HOST: "127.0.0.1", PLACE_VERBOSE: "true", PLACE_RATIO: "0.25" }, f)).toEqual({
    id: "lagos",
    verbose: true,
    ratio: 0.25,
    grpc: { host: "127.0.0.1", port: 6000 },
    devices: [],
    places: [],
  });
  expect(load({ PLACE_GRPC__PORT: "7000" }, f).grpc.port).toBe(7000);
});

test("a numeric-looking value for a text setting stays text", () => {
  expect(load({ PLACE_ID: "42" }).id).toBe("42");
});

test("variables that name no setting of ours are skipped (Kubernetes service links)", () => {
  const env = {
    PLACE_ID: "x",
    PLACE_SERVICE_HOST: "10.0.0.7",
    PLACE_SERVICE_PORT: "50051",
    PLACE_PORT: "tcp://10.0.0.7:50051",
    PLACE_PORT_50051_TCP_ADDR: "10.0.0.7",
  };
  expect(load(env)).toMatchObject({ id: "x", grpc: { port: 50051 } });
});

test("a misspelt name below a known setting is an error that names the variable", () => {
  expect(() => load({ PLACE_ID: "x", PLACE_GRPC__PROT: "1" })).toThrow(
    new ConfigError("PLACE_GRPC__PROT: no such setting (check the name against the documented settings)"),
  );
});

test("array elements by index override the file's elements field by field", () => {
  const f = file(
    "b.json",
    JSON.stringify({
      id: "x",
      devices: [
        { id: "d1", host: "a" },
        { id: "d2", host: "b" },
      ],
    }),
  );
  const c = load({ PLACE_DEVICES__1__HOST: "10.1.1.1", PLACE_DEVICES__1__PORT: "4371" }, f);
  expect(c.devices).toEqual([
    { id: "d1", host: "a", port: 4370 },
    { id: "d2", host: "10.1.1.1", port: 4371 },
  ]);
});

test("an index beyond the file's array leaves a hole that validation reports by path", () => {
  expect(() => load({ PLACE_ID: "x", PLACE_DEVICES__2__HOST: "h" })).toThrow(/devices\.0: .*\n.*devices\.1/s);
});

test("a whole array as JSON replaces the file's; a list setting takes its own text form", () => {
  const f = file("c.yaml", "id: x\ndevices:\n  - { id: d1, host: a }\n");
  const c = load({ PLACE_DEVICES: '[{"id":"d9","host":"z"}]', PLACE_PLACES: "a:1,b:2" }, f);
  expect(c.devices).toEqual([{ id: "d9", host: "z", port: 4370 }]);
  expect(c.places).toEqual(["a:1", "b:2"]);
});

test("every problem at once, with where it came from", () => {
  const f = file("d.yaml", "grpc:\n  port: nope\n");
  let message = "";
  try {
    load({ PLACE_VERBOSE: "maybe" }, f);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    message = (err as Error).message;
  }
  expect(message).toContain(`(file ${f}, variables PLACE_*)`);
  for (const path of ["id:", "verbose:", "grpc.port:"]) expect(message).toContain(`  ${path}`);
});

test("an unreadable or malformed file is a one-line reason", () => {
  expect(() => load({}, join(dir, "missing.yaml"))).toThrow(
    /cannot read config file .*missing\.yaml: ENOENT/,
  );
  expect(() => load({}, file("e.yaml", "id: [unclosed\n"))).toThrow(/is not valid YAML\/JSON/);
  expect(() => load({}, file("f.yaml", "- a\n- b\n"))).toThrow(/must hold an object at the top/);
});
