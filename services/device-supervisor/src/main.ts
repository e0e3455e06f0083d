import { ConfigError } from "@biometricflow/config";
import { letHeapGrow, startGrpcServer } from "@biometricflow/grpc-kit";
import { SupervisorServiceDefinition } from "@biometricflow/proto";
import { createLogger, startTelemetry } from "@biometricflow/telemetry";
import { loadSupervisorConfig } from "./config.js";
import { supervisorService } from "./status/supervisor-service.js";
import { startSupervisor } from "./supervisor.js";

async function main(): Promise<void> {
  letHeapGrow(); // a streaming service otherwise spends its CPU in back-to-back full GCs
  const config = loadSupervisorConfig(process.argv.slice(2));
  const log = createLogger("device-supervisor");
  const telemetry = startTelemetry("device-supervisor", log);
  const supervisor = startSupervisor(config, log);
  // Health is SERVING only while every place link is attached: a supervisor cut off from its
  // place captures punches it cannot deliver.
  const server = await startGrpcServer({
    host: config.grpc.host,
    port: config.grpc.port,
    log,
    register: (s) => s.add(SupervisorServiceDefinition, supervisorService(supervisor)),
  }).catch(async (err: unknown) => {
    await supervisor.stop();
    throw new Error(
      `cannot serve gRPC on ${config.grpc.host}:${config.grpc.port}: ${(err as Error).message}`,
    );
  });
  const followLinks = (): void => server.setServing(supervisor.allAttached());
  supervisor.onLinkChange(followLinks);
  followLinks();
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping: closing every device session");
    server.setServing(false);
    await supervisor.stop();
    await server.shutdown(1_000);
    await telemetry.shutdown().catch(() => undefined);
    log.flush();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  await supervisor.attached;
  if (!stopping) {
    const ready = { supervisor: config.id, places: config.places, grpc: server.address };
    process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bf-supervisor: ${(err as Error).message}\n`);
  // 2: a usage or configuration mistake to fix; 1: anything else (like bf-place and bf-aggregator).
  process.exit(err instanceof ConfigError ? 2 : 1);
});
