import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import type { Punch } from "@biometricflow/proto";
import { contextFromCarrier } from "@biometricflow/telemetry";

const tracer = trace.getTracer("biometricflow-aggregator");

/**
 * Run a batch insert inside an "aggregator.insert" span for each punch, each a child of the trace
 * the punch carries (captured by the supervisor, stored by the place), so a punch's trace runs
 * from the device to ClickHouse. When tracing is off the first span does not record and no
 * further spans are made: the hot path then costs one no-op span per batch.
 */
export async function tracedInsert<T>(
  placeId: string,
  punches: readonly Punch[],
  insert: () => Promise<T>,
): Promise<T> {
  const spans: Span[] = [];
  const attributes = { "biometricflow.place_id": placeId, "biometricflow.batch_rows": punches.length };
  for (const p of punches) {
    const span = tracer.startSpan(
      "aggregator.insert",
      { attributes: { ...attributes, "biometricflow.offset": p.offset } },
      contextFromCarrier(p.trace),
    );
    if (!span.isRecording()) {
      span.end();
      break;
    }
    spans.push(span);
  }
  try {
    const result = await insert();
    for (const s of spans) s.end();
    return result;
  } catch (err) {
    for (const s of spans) {
      s.recordException(err as Error);
      s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      s.end();
    }
    throw err;
  }
}
