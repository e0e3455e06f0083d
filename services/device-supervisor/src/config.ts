import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "@biometricflow/config";
import { z } from "zod";

const positive = (fallback: number) => z.number().int().positive().default(fallback);

const address = z.string().regex(/^[^\s:]+:\d{1,5}$/, "expected host:port, e.g. place-lagos:50051");

export const supervisorConfigSchema = z
  .object({
    /** This supervisor's name at its places. */
    id: z.string().min(1).default(hostname()),
    /** gRPC addresses of the places whose devices this supervisor runs. */
    places: z.preprocess(
      (v) =>
        typeof v === "string"
          ? v
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : v,
      z.array(address).min(1, "list at least one place address (host:port)"),
    ),
    /** Sent to every place (their supervisorLink.token), which then answers only this supervisor's kind. */
    placeToken: z.string().min(1).optional(),
    device: z
      .object({
        timeoutMs: positive(5_000),
        probeIntervalSeconds: positive(30),
        probeTimeoutMs: positive(3_000),
        pullIntervalSeconds: positive(300),
        lockDuringRead: z.boolean().default(true),
        startSpreadSeconds: z.number().min(0).default(10),
        maxQueuedCommands: positive(100),
      })
      .strict()
      .prefault({}),
    backoff: z
      .object({
        initialMs: positive(1_000),
        maxMs: positive(300_000),
        jitter: z.number().min(0).max(1).default(0.25),
        failedRetrySeconds: positive(900),
      })
      .strict()
      .prefault({}),
    ingest: z
      .object({
        // One IngestPunches call: above ~10,000 punches it nears gRPC's 4 MiB message limit and
        // the place's 50,000 per call, and a device whose batch can never be sent never syncs.
        batchSize: z.number().int().min(1).max(10_000, "at most 10000 punches per call").default(5_000),
        deadlineMs: positive(60_000),
      })
      .strict()
      .prefault({}),
    /**
     * Realtime punches, coalesced per place: the first waits lingerMs for others, at most
     * maxBatch go in one call, at most maxInFlight calls at once, at most maxPending wait (then
     * live delivery fails at once and the next pull reads the log); a call fails after deadlineMs.
     */
    live: z
      .object({
        lingerMs: z.number().int().min(0).default(20),
        maxBatch: positive(500),
        maxInFlight: positive(4),
        maxPending: positive(10_000),
        deadlineMs: positive(5_000),
      })
      .strict()
      .prefault({}),
    /** Devices syncing at once, process-wide: each holds its whole log from the read until the place acknowledged it. */
    syncConcurrency: positive(16),
    /** This supervisor's own gRPC server: health, reflection, SupervisorService (read-only status). */
    grpc: z
      .object({
        host: z.string().min(1).default("0.0.0.0"),
        port: z.number().int().min(0).max(65_535).default(0), // 0: any free port, announced on READY
      })
      .strict()
      .prefault({}),
    rpcDeadlineMs: positive(10_000),
    statusCoalesceMs: positive(500),
    shutdownDeadlineMs: positive(20_000),
  })
  .strict();

export type SupervisorConfig = z.infer<typeof supervisorConfigSchema>;

/** Environment (SUPERVISOR_*) over the optional file (--config FILE) over defaults. */
const USAGE = "bf-supervisor [--config FILE] (places from the file or SUPERVISOR_PLACES=host:port,...)";

export function loadSupervisorConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): SupervisorConfig {
  let file: string | undefined;
  try {
    file = parseArgs({ args: [...argv], options: { config: { type: "string" } } }).values.config;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; usage: ${USAGE}`);
  }
  try {
    return loadConfig(supervisorConfigSchema, { file, envPrefix: "SUPERVISOR_", env });
  } catch (err) {
    if (err instanceof ConfigError && /^\s*places:/m.test(err.message))
      throw new ConfigError(
        `${err.message}\n(list the places in the file or as SUPERVISOR_PLACES=host:port,...)`,
      );
    throw err;
  }
}
