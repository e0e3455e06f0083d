import { diag, DiagLogLevel } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Logger } from "pino";

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
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: process.env.OTEL_SERVICE_NAME ?? serviceName }),
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [],
  });
  sdk.start();
  return { enabled: true, shutdown: () => sdk.shutdown() };
}
