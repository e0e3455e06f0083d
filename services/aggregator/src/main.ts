import {
  migrate,
  MigrationError,
  openClickHouse,
  ClickHouseNotInstalledError,
  type MigrationResult,
  type OpenClickHouse,
} from "@biometricflow/clickhouse";
import { ConfigError } from "@biometricflow/config";
import { letHeapGrow } from "@biometricflow/grpc-kit";
import { createLogger, startTelemetry } from "@biometricflow/telemetry";
import { loadAggregatorCommand } from "./config.js";
import { startAggregator } from "./start-aggregator.js";

/** A start-up failure with nothing more to say than its message. */
class StartupError extends Error {}

async function migrateOrExplain(ch: OpenClickHouse): Promise<MigrationResult> {
  try {
    return await migrate(ch.db);
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new StartupError(`cannot prepare the schema in ClickHouse at ${ch.url}: ${(err as Error).message}`);
  }
}

// bf-aggregator [migrate]: config -> logger -> telemetry -> ClickHouse -> migrate -> followers +
// gRPC -> one READY line on stdout. SIGTERM/SIGINT: stop serving, store and commit, exit 0.
async function main(): Promise<void> {
  letHeapGrow(); // a streaming service otherwise spends its CPU in back-to-back full GCs
  const command = loadAggregatorCommand(process.argv.slice(2), process.env);
  const log = createLogger("aggregator");

  if (command.name === "migrate") {
    const ch = await openClickHouse(command.clickhouse);
    try {
      const result = await migrateOrExplain(ch);
      process.stdout.write(`${JSON.stringify({ database: ch.db.database, ...result })}\n`);
    } finally {
      await ch.close();
    }
    return;
  }

  const { config } = command;
  const telemetry = startTelemetry("aggregator", log);
  const ch = await openClickHouse(config.clickhouse);
  const migrated = await migrateOrExplain(ch);
  log.info({ clickhouse: ch.url, database: ch.db.database, ...migrated }, "schema ready");
  const app = await startAggregator(config, ch.db, log);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: flushing and committing");
    await app.shutdown();
    await ch.close(); // stops the private ClickHouse if this process started it
    await telemetry.shutdown();
    log.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Only now: a signal may arrive the instant READY is out (before any more of this code runs),
  // so READY must mean "SIGTERM is handled".
  process.stdout.write(`READY ${JSON.stringify({ aggregator: app.address, clickhouse: ch.url })}\n`);
}

main().catch((err: unknown) => {
  // Expected failures get one readable line; anything else keeps its stack for the bug report.
  const known = [ConfigError, MigrationError, ClickHouseNotInstalledError, StartupError].some(
    (t) => err instanceof t,
  );
  process.stderr.write(
    `bf-aggregator: ${known ? (err as Error).message : err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(err instanceof ConfigError ? 2 : 1);
});
