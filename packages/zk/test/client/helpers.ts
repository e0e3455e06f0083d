// Shared by the client tests: await-able conditions, never bare sleeps.
import { eventually } from "../../../../test/support/poll.js";
import { ZkClient, type ZkClientOptions } from "../../src/client/index.js";
import { ZkError } from "../../src/protocol/index.js";
import { startDevice, type DeviceServer, type StartDeviceOptions } from "../../src/simulator/index.js";

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

/**
 * Simulated devices and connected clients for one test file: clients are disconnected after each
 * test, devices closed after all of them.
 */
export function simulatorFixtures(): {
  device(options: StartDeviceOptions): Promise<DeviceServer>;
  connected(d: DeviceServer, options?: Partial<ZkClientOptions>): Promise<ZkClient>;
} {
  const devices: DeviceServer[] = [];
  const clients: ZkClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  });
  afterAll(async () => {
    await Promise.all(devices.splice(0).map((d) => d.close()));
  });
  return {
    async device(options) {
      const d = await startDevice(options);
      devices.push(d);
      return d;
    },
    async connected(d, options = {}) {
      const client = new ZkClient({ host: d.host, port: d.port, timeoutMs: 2_000, ...options });
      clients.push(client);
      await client.connect();
      return client;
    },
  };
}
