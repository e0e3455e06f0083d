/**
 * Wait for a condition across processes (journal heads, device states, simulator counts): check it
 * every `intervalMs` until it holds or the deadline passes. Returns the last value the check saw.
 * Never a fixed sleep: the wait ends as soon as the condition holds.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  o: { timeoutMs?: number; intervalMs?: number; describe?: () => string | Promise<string> } = {},
): Promise<T> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (true) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err; // e.g. a service restarting: keep polling until the deadline
    }
    if (Date.now() >= deadline) {
      const state = o.describe ? `; last seen: ${await o.describe()}` : "";
      const cause = lastError ? `; last error: ${(lastError as Error).message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs ?? 50));
  }
}
