export { createLogger, type Logger } from "./logger.js";
export { startTelemetry, type Telemetry } from "./tracing.js";
export {
  currentTraceCarrier,
  contextFromCarrier,
  traceIdAt,
  traceIdOf,
  type TraceCarrier,
} from "./trace-context.js";
export { openTelemetryServerMiddleware, openTelemetryClientMiddleware } from "nice-grpc-opentelemetry";
