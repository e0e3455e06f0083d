import { context, trace, type Context } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

const w3c = new W3CTraceContextPropagator();

export interface TraceCarrier {
  traceparent: string;
  tracestate: string;
}

/** The active span's W3C context, to store inside a punch so later stages can join its trace. */
export function currentTraceCarrier(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, { set: (c, k, v) => (c[k] = v) });
  return { traceparent: carrier.traceparent ?? "", tracestate: carrier.tracestate ?? "" };
}

/** A context whose parent is the span a carrier names (the active context when it names none). */
export function contextFromCarrier(carrier: Partial<TraceCarrier> | undefined): Context {
  if (!carrier?.traceparent) return context.active();
  const values: Record<string, string> = { traceparent: carrier.traceparent };
  if (carrier.tracestate) values.tracestate = carrier.tracestate;
  return w3c.extract(context.active(), values, { get: (c, k) => c[k], keys: (c) => Object.keys(c) });
}

/** The trace id named by a carrier, or "" (for storage columns such as trace_id). */
export function traceIdOf(carrier: Partial<TraceCarrier> | undefined): string {
  return trace.getSpanContext(contextFromCarrier(carrier))?.traceId ?? "";
}
