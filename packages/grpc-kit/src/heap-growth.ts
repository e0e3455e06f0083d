import { setFlagsFromString } from "node:v8";

/**
 * Let V8's old generation grow to twice its live size between full collections. For a small heap
 * (a service's ~32 MB) V8 picks a limit about 9 MB above the live size, less than one scavenge may
 * promote with 16 MB semi-spaces, so incremental marking starts again right after each full GC: a
 * service that streams large messages to a slower reader then runs a mark-compact every second or
 * so and spends most of its CPU in GC (a place replaying to a busy aggregator: 2.1 µs a punch
 * against 0.6 with this; docs/benchmarks.md). V8 reads the flag each time it sizes the heap after a
 * full GC, so setting it at start-up takes effect; the live size and --max-old-space-size still
 * bound the heap.
 */
export function letHeapGrow(percent = 100): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
