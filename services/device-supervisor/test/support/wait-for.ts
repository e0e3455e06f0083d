import { eventually } from "../../../../test/support/poll.js";

/**
 * Wait for a condition that emits no event (socket counts, simulator state), checking every
 * few milliseconds; fails with `what` after `timeoutMs`. Never a fixed sleep.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  await eventually(what, async () => (await check()) || undefined, { timeoutMs, intervalMs: 10 });
}
