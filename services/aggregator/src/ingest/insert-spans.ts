import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { contextFromCarrier, type TraceCarrier } from "@biometricflow/telemetry";

const tracer = trace.getTracer("biometricflow-aggregator");

/**
 * The "aggregator.insert" span of each punch of one batch, each a child of the trace the punch
 * carries (captured by the supervisor, stored by the place), so a punch's trace runs from the
 * device to ClickHouse; a span runs from the punch's arrival until its batch is stored. When
 * tracing is off the batch's first span does not record and no further spans are made: the hot
 * path then costs one no-op span per batch.
 */
export class InsertSpans {
  private readonly spans: Span[] = [];
  private off = false;

  constructor(private readonly placeId: string) {}

  /** False once tracing turned out to be off: callers can skip reading the trace context. */
  get wanted(): boolean {
    return !this.off;
  }

  add(offset: number, trace: Partial<TraceCarrier> | undefined): void {
    if (this.off) return;
    const span = tracer.startSpan(
      "aggregator.insert",
      { attributes: { "biometricflow.place_id": this.placeId, "biometricflow.offset": offset } },
      contextFromCarrier(trace),
    );
    if (span.isRecording()) this.spans.push(span);
    else {
      span.end();
      this.off = true;
    }
  }

  /** Run the batch's insert and end every span with its outcome. */
  async around<T>(rows: number, insert: () => Promise<T>): Promise<T> {
    for (const s of this.spans) s.setAttribute("biometricflow.batch_rows", rows);
    try {
      const result = await insert();
      for (const s of this.spans) s.end();
      return result;
    } catch (err) {
      for (const s of this.spans) {
        s.recordException(err as Error);
        s.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        s.end();
      }
      throw err;
    }
  }
}
