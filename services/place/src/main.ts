import { ConfigError } from "@biometricflow/config";
import { createLogger, startTelemetry } from "@biometricflow/telemetry";
import { loadPlaceConfig, placeConfigFile } from "./config.js";
import { watchConfig } from "./config-reload/watch-config.js";
import { JournalError } from "./journal/journal-error.js";
import { startPlace } from "./start-place.js";
import { letHeapGrow } from "@biometricflow/grpc-kit";

/** Edits within this window (write, rename, touch) make one reload. */
const RELOAD_DEBOUNCE_MS = 300;
/** How often the config file is looked at for a change. */
const RELOAD_POLL_MS = 1_000;

// bf-place: config -> logger -> telemetry -> journal + gRPC -> SERVING -> one READY line on stdout.
async function main(): Promise<void> {
  letHeapGrow(); // a streaming service otherwise spends its CPU in back-to-back full GCs
  const argv = process.argv.slice(2);
  const config = loadPlaceConfig(argv, process.env);
  const log = createLogger("place").child({ place: config.id });
  const telemetry = startTelemetry("place", log);
  const place = await startPlace(config, log);
  // The same loader as at start (variables over the file over defaults), so a reload sees what a restart would.
  const reload = (trigger: string): void =>
    void place.reload(() => loadPlaceConfig(argv, process.env), trigger);
  const file = placeConfigFile(argv, process.env);
  const stopWatching = file
    ? watchConfig({
        file,
        debounceMs: RELOAD_DEBOUNCE_MS,
        intervalMs: RELOAD_POLL_MS,
        onChange: () => reload("file-change"),
      })
    : () => undefined;
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    stopWatching();
    await place.shutdown();
    await telemetry.shutdown();
    log.flush();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGHUP", () => !stopping && reload("SIGHUP"));
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
