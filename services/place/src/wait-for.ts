/**
 * Resolve when `subscribe`'s wake function is called; reject with an AbortError when `signal`
 * aborts. `subscribe` returns its own unsubscribe, called either way.
 */
export function waitFor(subscribe: (wake: () => void) => () => void, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException("The operation was aborted", "AbortError"));
    const onAbort = (): void => {
      unsubscribe();
      reject(new DOMException("The operation was aborted", "AbortError"));
    };
    const unsubscribe = subscribe(() => {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      resolve();
    });
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
