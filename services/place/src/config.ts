import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "@biometricflow/config";
import { z } from "zod";
import { timezoneProblem } from "./time/timezone.js";

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'");
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:mm" (24-hour)');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be "YYYY-MM-DD"')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "is not a calendar date");
const uint = (min: number, max: number) => z.int().min(min).max(max);

const rules = z.strictObject({
  shiftStart: hhmm.default("08:00"),
  shiftEnd: hhmm.default("17:00"),
  graceMinutes: uint(0, 240).default(10),
  minHoursPresent: z.number().min(0).max(24).default(4),
  weekendDays: z
    .array(uint(0, 6))
    .refine((d) => new Set(d).size === d.length, "lists a day twice")
    .default([0, 6]),
  holidays: z.array(isoDate).default([]),
  breakMinutes: uint(0, 600).default(0),
});

const clock = z.strictObject({
  checkIntervalSeconds: uint(10, 86_400).default(600),
  autoCorrect: z.boolean().default(false),
  thresholdSeconds: uint(1, 86_400).default(60),
  minCorrectionIntervalSeconds: uint(60, 604_800).default(3_600),
});

const device = z.strictObject({
  id: slug,
  name: z.string().min(1).max(64).optional(),
  serial: z.string().min(1).max(64),
  host: z.string().min(1),
  port: uint(1, 65_535).default(4370),
  transport: z.enum(["tcp", "udp"]).default("tcp"),
  commKey: uint(0, 999_999).default(0),
  pullIntervalSeconds: uint(5, 86_400).default(60),
  clearPolicy: z
    .strictObject({ enabled: z.boolean().default(false), thresholdPercent: uint(1, 100).default(80) })
    .prefault({}),
});

export const placeConfigSchema = z
  .strictObject({
    id: slug,
    name: z.string().min(1).max(200),
    timezone: z.string().min(1),
    allowUtcTimezone: z.boolean().default(false),
    rules: rules.prefault({}),
    clock: clock.prefault({}),
    devices: z.array(device).default([]),
    grpc: z
      .strictObject({ host: z.string().min(1).default("0.0.0.0"), port: uint(0, 65_535).default(50051) })
      .prefault({}),
    journal: z.strictObject({ path: z.string().min(1) }),
    // SupervisorLinkService hands devices' comm keys to supervisors: with a token, only callers
    // that send it are answered (the supervisors' placeToken).
    supervisorLink: z
      .strictObject({ token: z.string().min(16, "at least 16 characters, hard to guess").optional() })
      .prefault({}),
    commands: z
      .strictObject({
        // Quick device commands (users, time) vs. those that read a whole log (pull, clear).
        timeoutSeconds: uint(1, 3_600).default(30),
        longTimeoutSeconds: uint(1, 86_400).default(900),
      })
      .prefault({}),
  })
  // Run even when other fields are wrong, so one pass reports every problem (hence the guards).
  .superRefine(
    (c, ctx) => {
      if (typeof c.timezone !== "string") return;
      const tz = timezoneProblem(c.timezone, c.allowUtcTimezone === true);
      if (tz) ctx.addIssue({ code: "custom", path: ["timezone"], message: tz });
      if (!Array.isArray(c.devices)) return;
      for (const key of ["id", "serial"] as const) {
        const seen = new Set<unknown>();
        c.devices.forEach((d: Partial<DeviceConfig> | undefined, i) => {
          if (typeof d?.[key] !== "string") return;
          if (seen.has(d[key])) {
            ctx.addIssue({
              code: "custom",
              path: ["devices", i, key],
              message: `duplicate ${key} "${d[key]}"`,
            });
          }
          seen.add(d[key]);
        });
      }
    },
    { when: () => true },
  );

export type PlaceConfig = z.infer<typeof placeConfigSchema>;
export type DeviceConfig = PlaceConfig["devices"][number];

/** The config file named by --config or PLACE_CONFIG, if any. */
export function placeConfigFile(argv: string[], env: NodeJS.ProcessEnv): string | undefined {
  let file: string | undefined;
  try {
    file = parseArgs({ args: argv, options: { config: { type: "string" } } }).values.config;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; usage: bf-place [--config FILE]`);
  }
  return file ?? (env.PLACE_CONFIG || undefined);
}

/**
 * The place's configuration: PLACE_* variables over the file (--config or PLACE_CONFIG, YAML or
 * JSON) over defaults. A relative journal path in a file is relative to that file.
 * Throws ConfigError with every problem and its path.
 */
export function loadPlaceConfig(argv: string[], env: NodeJS.ProcessEnv): PlaceConfig {
  const file = placeConfigFile(argv, env);
  const { PLACE_CONFIG: _file, ...rest } = env;
  let config: PlaceConfig;
  try {
    config = loadConfig(placeConfigSchema, { file, envPrefix: "PLACE_", env: rest });
  } catch (err) {
    if (file || !(err instanceof ConfigError)) throw err;
    throw new ConfigError(`${err.message}\n(no config file given: pass --config FILE or set PLACE_CONFIG)`);
  }
  const base = file && env.PLACE_JOURNAL__PATH === undefined ? dirname(resolve(file)) : process.cwd();
  return { ...config, journal: { path: resolve(base, config.journal.path) } };
}
