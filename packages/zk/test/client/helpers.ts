// Shared by the client tests: await-able conditions, never bare sleeps.
import { eventually } from "../../../../test/support/poll.js";
import { ZkError } from "../../src/protocol/index.js";

/**
 * Poll `condition` until it holds; reject once `deadlineMs` has passed. Only for state that
 * offers no event to await (e.g. a simulator flag); the deadline bounds every wait.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  deadlineMs = 2_000,
  what = "condition",
): Promise<void> {
  await eventually(what, async () => (await condition()) || undefined, {
    timeoutMs: deadlineMs,
    intervalMs: 10,
  });
}

/** The rejection of `promise`, or a failure when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** The rejection of `promise` as a ZkError (anything else fails the test). */
export async function zkRejection(promise: Promise<unknown>): Promise<ZkError> {
  const err = await rejection(promise);
  if (!(err instanceof ZkError)) throw new Error(`expected a ZkError, got ${String(err)}`);
  return err;
}

/** `promise`, or a rejection after `ms`: a hang becomes a failure that says what hung. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Seconds between two "YYYY-MM-DDTHH:mm:ss" wall clocks (b - a), read as UTC arithmetic. */
export function secondsBetween(a: string, b: string): number {
  return (Date.parse(`${b}Z`) - Date.parse(`${a}Z`)) / 1000;
}
