/** True for the errors an aborted AbortSignal produces (DOMException or Node's AbortError). */
export function isAbortError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "AbortError";
}
