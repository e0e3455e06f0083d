import { createRequire } from "node:module";
import { diag, DiagLogLevel } from "@opentelemetry/api";
import type { Logger } from "pino";

// The SDK and its exporter take about half a second to load (most of a service's start-up, and
// of a catch-up's first second): loaded only when tracing is on.
const load = createRequire(__filename);

export interface Telemetry {
  /** True when traces are exported (an OTLP endpoint is configured). */
  enabled: boolean;
  shutdown(): Promise<void>;
}

/**
 * Start tracing before the application code runs. Configured by the standard OTEL_* variables;
 * off (and free) when no OTLP endpoint is set. gRPC spans come from the nice-grpc middleware,
 * not from require hooks.
 */
export function startTelemetry(serviceName: string, log?: Logger): Telemetry {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || process.env.OTEL_SDK_DISABLED === "true") {
    return { enabled: false, shutdown: async () => undefined };
  }
  if (log) {
    diag.setLogger(
      {
        error: (m) => log.error({ otel: true }, m),
        warn: (m) => log.warn({ otel: true }, m),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.WARN,
    );
  }
  const { OTLPTraceExporter } = load(
    "@opentelemetry/exporter-trace-otlp-grpc",
  ) as typeof import("@opentelemetry/exporter-trace-otlp-grpc");
  const { resourceFromAttributes } = load(
    "@opentelemetry/resources",
  ) as typeof import("@opentelemetry/resources");
  const { NodeSDK } = load("@opentelemetry/sdk-node") as typeof import("@opentelemetry/sdk-node");
  const { ATTR_SERVICE_NAME } = load(
    "@opentelemetry/semantic-conventions",
  ) as typeof import("@opentelemetry/semantic-conventions");
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName }),
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
