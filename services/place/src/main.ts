import { ConfigError } from "@biometricflow/config";
import { createLogger, startTelemetry } from "@biometricflow/telemetry";
import { loadPlaceConfig } from "./config.js";
import { JournalError } from "./journal/journal-error.js";
import { startPlace } from "./start-place.js";

// bf-place: config -> logger -> telemetry -> journal + gRPC -> SERVING -> one READY line on stdout.
async function main(): Promise<void> {
  const config = loadPlaceConfig(process.argv.slice(2), process.env);
  const log = createLogger("place").child({ place: config.id });
  const telemetry = startTelemetry("place", log);
  const place = await startPlace(config, log);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    await place.shutdown();
    await telemetry.shutdown();
    log.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // READY only once a signal can be handled: a stop right after READY must not kill it mid-write.
  process.stdout.write(`READY ${JSON.stringify({ place: config.id, grpc: place.address })}\n`);
}

main().catch((err: unknown) => {
  // Expected failures get one readable line; anything else keeps its stack for the bug report.
  if (err instanceof ConfigError) process.stderr.write(`bf-place: ${err.message}\n`);
  else if (err instanceof JournalError) process.stderr.write(`bf-place: ${err.message}\n`);
  else process.stderr.write(`bf-place: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
