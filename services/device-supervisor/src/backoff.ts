export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Share of the delay taken off at random (0..1), so a fleet that failed together retries apart. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 300_000, jitter: 0.25 };

/**
 * Delay before retry number `failures` (1, 2, ...): initial * 2^(failures-1), capped, then
 * shortened by up to `jitter` of itself. Never above the cap, never below (1 - jitter) of it.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const raw = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(raw * (1 - policy.jitter * random()));
}

/** `ms` spread by +/- `share` of itself: periodic work of many devices drifts apart. */
export function spread(ms: number, share: number, random: () => number): number {
  return Math.round(ms * (1 + share * (2 * random() - 1)));
}
