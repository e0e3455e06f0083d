import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "@biometricflow/config";
import { z } from "zod";

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'");
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be "host:port"');
const int = (min: number, max: number) => z.int().min(min).max(max);

const clickhouseSchema = z
  .strictObject({
    /** A running ClickHouse; unset: a private local server is started (and stopped on exit). */
    url: z.url().optional(),
    database: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .default("biometricflow"),
    requestTimeoutMs: int(1_000, 600_000).default(30_000),
  })
  .prefault({});

export const aggregatorConfigSchema = z
  .strictObject({
    /** The places to follow: each serves PlaceService at `grpc`. */
    places: z.array(z.strictObject({ id: slug, grpc: hostPort })).min(1, "list at least one place"),
    grpc: z
      .strictObject({ host: z.string().min(1).default("0.0.0.0"), port: int(0, 65_535).default(50070) })
      .prefault({}),
    clickhouse: clickhouseSchema,
    ingest: z
      .strictObject({
        /**
         * A place's punches go to ClickHouse a tenth of this at a time, at most two of these are
         * held per place until stored (as RowBinary bytes, ~120 B each), and one INSERT for all
         * places carries at most four: large, so that a catch-up makes few ClickHouse parts.
         */
        batchSize: int(1, 1_000_000).default(50_000),
        /**
         * Punches that waited this long go to ClickHouse; an INSERT is ended this long after it
         * opened, or a tenth of it after the last punch written into it: a punch is stored within
         * about twice this (while many places send), one INSERT each time for all of them.
         */
        flushMs: int(1, 60_000).default(500),
        /** WatchPunches max_batch. */
        streamBatch: int(1, 10_000).default(1_000),
        retryInitialMs: int(1, 60_000).default(200),
        retryMaxMs: int(1, 600_000).default(10_000),
        /** How long SIGTERM waits for a last flush while ClickHouse is down (the rest is replayed). */
        shutdownFlushMs: int(0, 600_000).default(10_000),
        /** Re-read each place's rules and users this often. */
        refreshSeconds: int(1, 86_400).default(300),
      })
      .prefault({}),
    analytics: z
      .strictObject({
        maxRangeDays: int(1, 3_660).default(366),
        /** GetTimesheet answers at most this many rows; ExportTimesheets has no limit. */
        maxTimesheetRows: int(1, 1_000_000).default(20_000),
        /** Per StreamPunches subscriber: punches queued before the oldest are skipped. */
        liveBuffer: int(1, 1_000_000).default(10_000),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (!Array.isArray(c.places)) return;
    const seen = new Set<string>();
    c.places.forEach((p, i) => {
      if (seen.has(p?.id))
        ctx.addIssue({ code: "custom", path: ["places", i, "id"], message: `duplicate id "${p.id}"` });
      seen.add(p?.id);
    });
  });

export type AggregatorConfig = z.infer<typeof aggregatorConfigSchema>;
export type PlaceTarget = AggregatorConfig["places"][number];

export type ClickHouseConfig = AggregatorConfig["clickhouse"];

export type Command =
  | { name: "serve"; config: AggregatorConfig }
  | { name: "migrate"; clickhouse: ClickHouseConfig & { url: string } };

const usage = "usage: bf-aggregator [migrate] [--config FILE]";

/**
 * The only reader of process.env: AGGREGATOR_* over the file (--config or AGGREGATOR_CONFIG) over
 * defaults. CLICKHOUSE_URL is honoured when the config names no ClickHouse (the launcher's switch).
 */
export function loadAggregatorCommand(argv: string[], env: NodeJS.ProcessEnv): Command {
  let parsed: ReturnType<
    typeof parseArgs<{ options: { config: { type: "string" } }; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: { config: { type: "string" } }, allowPositionals: true });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; ${usage}`);
  }
  const [name = "serve", ...extra] = parsed.positionals;
  if ((name !== "serve" && name !== "migrate") || extra.length > 0) {
    throw new ConfigError(`unknown command "${parsed.positionals.join(" ")}"; ${usage}`);
  }
  const file = parsed.values.config ?? (env.AGGREGATOR_CONFIG || undefined);
  const { AGGREGATOR_CONFIG: _file, ...rest } = env;
  if (env.CLICKHOUSE_URL && rest.AGGREGATOR_CLICKHOUSE__URL === undefined) {
    rest.AGGREGATOR_CLICKHOUSE__URL = env.CLICKHOUSE_URL;
  }
  const load = { file, envPrefix: "AGGREGATOR_", env: rest };
  if (name === "serve") return { name, config: loadConfig(aggregatorConfigSchema, load) };
  // Migrating needs only the ClickHouse part; the rest of the file is not checked.
  const { clickhouse } = loadConfig(z.looseObject({ clickhouse: clickhouseSchema }), load);
  const { url } = clickhouse;
  if (!url) throw new ConfigError("migrate needs a running ClickHouse: set CLICKHOUSE_URL or clickhouse.url");
  return { name, clickhouse: { ...clickhouse, url } };
}
