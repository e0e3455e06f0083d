import { createActor, type Actor } from "xstate";
import type { DeviceSettings, DeviceTuning } from "../../src/device/device-settings.js";
import { Limiter } from "../../src/limiter.js";
import type { DeviceLog } from "../../src/machines/device-context.js";
import { deviceMachine } from "../../src/machines/device-machine.js";
import { EMPTY_CURSOR, type Cursor } from "../../src/sync/cursor.js";
import { FakeDevice } from "./fake-device.js";
import { FakeLink } from "./fake-link.js";

export const silentLog: DeviceLog & { info(): void } = {
  warn: () => undefined,
  debug: () => undefined,
  info: () => undefined,
};

export const TEST_TUNING: DeviceTuning = {
  probeIntervalMs: 10_000,
  probeTimeoutMs: 1_000,
  defaultPullIntervalMs: 60_000,
  backoff: { initialMs: 1_000, maxMs: 300_000, jitter: 0.25 },
  failedRetryMs: 900_000,
  startSpreadMs: 0,
  batchSize: 5_000,
  lockDuringRead: true,
  maxQueuedCommands: 10,
};

export function testSettings(over: Partial<DeviceSettings> = {}): DeviceSettings {
  return {
    id: "dev-1",
    placeId: "place-1",
    timezone: "Africa/Lagos",
    params: { host: "10.0.0.7", port: 4370, transport: "tcp", commKey: 0 },
    configuredSerial: "",
    pullIntervalMs: 60_000,
    clear: { enabled: false, thresholdPercent: 80 },
    clock: {
      checkIntervalMs: 600_000,
      autoCorrect: false,
      thresholdSeconds: 60,
      minCorrectionIntervalMs: 3_600_000,
    },
    ...over,
  };
}

export interface Harness {
  device: FakeDevice;
  link: FakeLink;
  actor: Actor<typeof deviceMachine>;
  /** The top-level and nested state, e.g. "active.live.idle". */
  state(): string;
}

/** A device actor on a fake device and a fake place. Call jest.useFakeTimers() first. */
export function startHarness(
  o: {
    device?: FakeDevice;
    settings?: Partial<DeviceSettings>;
    cursor?: Cursor;
    lastCorrectionAt?: number;
    random?: () => number;
    tuning?: Partial<DeviceTuning>;
  } = {},
): Harness {
  const device = o.device ?? new FakeDevice();
  const link = new FakeLink();
  const actor = createActor(deviceMachine, {
    input: {
      settings: testSettings(o.settings),
      cursor: o.cursor ?? EMPTY_CURSOR,
      lastCorrectionAt: o.lastCorrectionAt ?? 0,
      port: device,
      link,
      tuning: { ...TEST_TUNING, ...o.tuning },
      syncSlots: new Limiter(4),
      random: o.random ?? (() => 0.5),
      log: silentLog,
    },
  });
  actor.start();
  const state = (): string => flatten(actor.getSnapshot().value);
  return { device, link, actor, state };
}

function flatten(value: unknown): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0]!;
  return `${key}.${flatten(child)}`;
}

/** Let promise chains settle and timers due "now" fire (Node runs a 0 ms timer after 1 ms). */
export async function settle(): Promise<void> {
  await jest.advanceTimersByTimeAsync(1);
}
