import { createLogger, startTelemetry } from "@biometricflow/telemetry";
import { loadSupervisorConfig } from "./config.js";
import { startSupervisor } from "./supervisor.js";

async function main(): Promise<void> {
  const config = loadSupervisorConfig(process.argv.slice(2));
  const log = createLogger("device-supervisor");
  const telemetry = startTelemetry("device-supervisor", log);
  const supervisor = startSupervisor(config, log);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: closing every device session");
    await supervisor.stop();
    await telemetry.shutdown().catch(() => undefined);
    log.flush();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  await supervisor.attached;
  if (!stopping)
    process.stdout.write(`READY ${JSON.stringify({ supervisor: config.id, places: config.places })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bf-supervisor: ${(err as Error).message}\n`);
  process.exit(1);
});
