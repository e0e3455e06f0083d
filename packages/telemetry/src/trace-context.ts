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

// What W3CTraceContextPropagator accepts, checked without building a context: the aggregator asks
// this for every stored punch, and the context path cost over a microsecond each.
const TRACEPARENT = /^\s?([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}(-.*)?\s?$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** The trace id named by a carrier, or "" (for storage columns such as trace_id). */
export function traceIdOf(carrier: Partial<TraceCarrier> | undefined): string {
  const m = TRACEPARENT.exec(carrier?.traceparent ?? "");
  if (m && m[1] !== "ff" && m[2] !== ZERO_TRACE_ID && m[3] !== ZERO_SPAN_ID && !(m[1] === "00" && m[4]))
    return m[2]!;
  // Not a valid traceparent: the propagator falls back to the active context's span.
  return trace.getSpanContext(contextFromCarrier(carrier))?.traceId ?? "";
}

// 1 for the characters a traceparent's hex fields may hold (lowercase, as the W3C regex).
const HEX = new Uint8Array(256);
for (const c of "0123456789abcdef") HEX[c.charCodeAt(0)] = 1;
const DASH = 0x2d;
const ZERO = 0x30;

/**
 * traceIdOf on bytes, for the common case: where the trace id starts inside the UTF-8 traceparent
 * src[from, to) in its usual form
 * ("vv-<32 hex trace id>-<16 hex span id>-ff", 55 bytes) when traceIdOf would return it
 * (version not ff, ids not all zeros); -1 for any other text, which then needs traceIdOf.
 */
export function traceIdAt(src: Buffer, from: number, to: number): number {
  if (to - from !== 55 || src[from + 2] !== DASH || src[from + 35] !== DASH || src[from + 52] !== DASH)
    return -1;
  let traceZero = true;
  let spanZero = true;
  for (let k = from + 3; k < from + 35; k++) {
    const c = src[k]!;
    if (HEX[c] === 0) return -1;
    if (c !== ZERO) traceZero = false;
  }
  for (let k = from + 36; k < from + 52; k++) {
    const c = src[k]!;
    if (HEX[c] === 0) return -1;
    if (c !== ZERO) spanZero = false;
  }
  const v0 = src[from]!;
  const v1 = src[from + 1]!;
  if (traceZero || spanZero || HEX[v0] === 0 || HEX[v1] === 0) return -1;
  if (v0 === 0x66 && v1 === 0x66) return -1; // version ff is invalid
  if (HEX[src[from + 53]!] === 0 || HEX[src[from + 54]!] === 0) return -1;
  return from + 3;
}
