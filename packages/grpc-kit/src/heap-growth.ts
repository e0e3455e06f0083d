import { setFlagsFromString } from "node:v8";

/**
 * Let V8's old generation grow to three times its live size between full collections. V8 starts
 * incremental marking as soon as the room left under the old generation's limit is less than one
 * scavenge may promote (a 16 MB semi-space); for a service's small heap (16-32 MB live) its own
 * growing factor leaves about that much room, so marking starts again right after each full GC. A
 * service streaming large messages to a slower reader then runs a full GC every second or so and
 * spends most of its CPU in GC (a place replaying to a busy aggregator: 2.1 µs a punch against
 * 0.5-0.8 with this; docs/benchmarks.md). V8 reads the flag each time it sizes the heap after a
 * full GC, so setting it at start-up takes effect; --max-old-space-size still bounds the heap.
 */
export function letHeapGrow(percent = 200): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
