import { readFileSync } from "node:fs";
import { descriptorSetPath } from "@biometricflow/proto";
import { openTelemetryServerMiddleware, type Logger } from "@biometricflow/telemetry";
import {
  createServer,
  type ChannelOptions,
  type ServiceImplementation,
  type TsProtoServiceDefinition,
} from "nice-grpc";
import { HealthDefinition, HealthServiceImpl, HealthState } from "nice-grpc-server-health";
import { ServerReflection, ServerReflectionService } from "nice-grpc-server-reflection";
import { errorMiddleware } from "./error-middleware.js";
import { createTerminator, type TerminatorContext } from "./terminator-middleware.js";
import { tokenAuthMiddleware, type TokenAuth } from "./token-auth.js";

/** What every handler gets as its call context: nice-grpc's plus abortOnTerminate. */
export type KitCallContext = TerminatorContext;

/** The part of a nice-grpc server that services use: add an implementation. */
export interface ServiceRegistrar {
  add<S extends TsProtoServiceDefinition>(
    definition: S,
    implementation: ServiceImplementation<S, KitCallContext>,
  ): void;
}

export interface GrpcServerOptions {
  host: string;
  /** 0 binds any free port; read the result from RunningGrpcServer.port. */
  port: number;
  log: Logger;
  register(server: ServiceRegistrar): void;
  /** FileDescriptorSet for reflection; defaults to the one built from proto/. */
  descriptorSet?: string;
  channelOptions?: ChannelOptions;
  /** Services that only answer callers with a token. */
  auth?: TokenAuth;
}

export interface RunningGrpcServer {
  host: string;
  port: number;
  /** "host:port", ready to dial. */
  address: string;
  /** What grpc.health.v1 answers, for the whole server and each registered service. */
  setServing(serving: boolean): void;
  /** NOT_SERVING, end opted-in streams, let calls finish for up to graceMs, then cancel the rest. */
  shutdown(graceMs?: number): Promise<void>;
}

// Server-side keepalive notices a supervisor that vanished without closing its Attach stream.
const defaultChannelOptions: ChannelOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
};

/**
 * The one way to run a gRPC server: OpenTelemetry, domain-error mapping, health (starting
 * NOT_SERVING until setServing(true)), reflection over the registered services, graceful shutdown.
 */
export async function startGrpcServer(o: GrpcServerOptions): Promise<RunningGrpcServer> {
  const terminator = createTerminator();
  let base = createServer({ ...defaultChannelOptions, ...o.channelOptions })
    .use(openTelemetryServerMiddleware())
    .use(errorMiddleware(o.log));
  if (o.auth) base = base.use(tokenAuthMiddleware(o.auth));
  const server = base.use(terminator.middleware);

  const services: string[] = [];
  o.register({
    add(definition, implementation) {
      server.add(definition, implementation);
      services.push(definition.fullName);
    },
  });

  const health = HealthState();
  let stopping = false;
  const setServing = (serving: boolean): void => {
    const status = serving && !stopping ? "healthy" : "unhealthy"; // once stopping, for good
    health.setStatus(status);
    for (const name of services) health.setStatus(status, name);
  };
  setServing(false);
  server.add(HealthDefinition, HealthServiceImpl(health));
  server.add(ServerReflectionService, ServerReflection(readDescriptorSet(o.descriptorSet), services));

  const port = await server.listen(`${o.host}:${o.port}`);
  const address = `${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`;
  o.log.info({ address, services }, "gRPC server listening");

  return {
    host: o.host,
    port,
    address,
    setServing,
    async shutdown(graceMs = 5_000) {
      stopping = true;
      setServing(false);
      terminator.terminate();
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          o.log.warn({ graceMs }, "gRPC calls still running after the grace period; cancelling them");
          server.forceShutdown();
          resolve();
        }, graceMs);
      });
      await Promise.race([server.shutdown(), forced]);
      clearTimeout(timer);
    },
  };
}

function readDescriptorSet(path = descriptorSetPath): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the descriptor set for reflection at ${path} (run \`npm run generate\`)`, {
      cause: err,
    });
  }
}
