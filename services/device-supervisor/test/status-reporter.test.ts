import { DeviceState, type DeviceStatus } from "@biometricflow/proto";
import { StatusReporter } from "../src/link/status-reporter.js";
import { silentLog } from "./support/machine-harness.js";

const status = (deviceId: string, state: DeviceState): DeviceStatus => ({
  deviceId,
  state,
  stateSince: undefined,
  detail: "",
  serialNumber: "",
  firmware: "",
  recordsOnDevice: 0,
  recordsCapacity: 0,
  usersOnDevice: 0,
  clockDriftSeconds: 0,
  recordsIngested: 0,
  lastSyncAt: undefined,
  lastSeenAt: undefined,
  consecutiveFailures: 0,
  nextRetryAt: undefined,
});

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test("a burst of changes goes out as the latest status per device", async () => {
  const sent: DeviceStatus[] = [];
  const r = new StatusReporter(async (s) => void sent.push(s), {
    coalesceMs: 200,
    concurrency: 4,
    retryMs: 1_000,
    log: silentLog,
  });
  r.report(status("a", DeviceState.DEVICE_STATE_CONNECTING));
  r.report(status("a", DeviceState.DEVICE_STATE_SYNCING));
  r.report(status("b", DeviceState.DEVICE_STATE_CONNECTING));
  r.report(status("a", DeviceState.DEVICE_STATE_LIVE));
  await jest.advanceTimersByTimeAsync(199);
  expect(sent).toHaveLength(0);
  await jest.advanceTimersByTimeAsync(1);
  expect(sent.map((s) => [s.deviceId, s.state])).toEqual([
    ["a", DeviceState.DEVICE_STATE_LIVE],
    ["b", DeviceState.DEVICE_STATE_CONNECTING],
  ]);
});

test("a report the place missed is retried unless a newer one replaced it", async () => {
  const sent: DeviceStatus[] = [];
  let down = true;
  const r = new StatusReporter(
    async (s) => {
      if (down) throw new Error("unavailable");
      sent.push(s);
    },
    { coalesceMs: 100, concurrency: 4, retryMs: 1_000, log: silentLog },
  );
  r.report(status("a", DeviceState.DEVICE_STATE_LIVE));
  r.report(status("b", DeviceState.DEVICE_STATE_LIVE));
  await jest.advanceTimersByTimeAsync(100);
  expect(sent).toHaveLength(0);
  r.report(status("b", DeviceState.DEVICE_STATE_BACKING_OFF));
  down = false;
  await jest.advanceTimersByTimeAsync(1_000);
  expect(sent.map((s) => [s.deviceId, s.state])).toEqual(
    expect.arrayContaining([
      ["a", DeviceState.DEVICE_STATE_LIVE],
      ["b", DeviceState.DEVICE_STATE_BACKING_OFF],
    ]),
  );
  expect(sent).toHaveLength(2);
});
