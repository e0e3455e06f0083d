import type { DeviceStatus, PlaceServiceClient } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { Backoff, retry, sleep } from "../ingest/backoff.js";
import { nextOrTimeout, TIMEOUT } from "../ingest/next-or-timeout.js";
import type { DeviceStateStore } from "../store/device-state-store.js";

export interface DeviceWatchDeps {
  placeId: string;
  client: PlaceServiceClient;
  store: DeviceStateStore;
  log: Logger;
  retryInitialMs: number;
  retryMaxMs: number;
}

const FLUSH_MS = 1_000;
const FLUSH_ROWS = 1_000;

/**
 * Records each device's state changes (WatchDevices: the current states, then every change) for
 * device health history. Statuses are written in small batches (at most a second old), each
 * write retried while ClickHouse is down with the stream left unread meanwhile; a dropped stream
 * reconnects with backoff and starts with the current states again, which the table folds in.
 */
export async function runDeviceWatch(d: DeviceWatchDeps, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff(d.retryInitialMs, d.retryMaxMs);
  const policy = { initialMs: d.retryInitialMs, maxMs: d.retryMaxMs, signal };
  let pending: DeviceStatus[] = [];
  let oldestAt = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    await retry(() => d.store.save(d.placeId, batch), policy);
    pending = [];
  };
  while (!signal.aborted) {
    const it = d.client.watchDevices({}, { signal })[Symbol.asyncIterator]();
    let next = it.next();
    try {
      while (true) {
        const r = pending.length ? await nextOrTimeout(next, oldestAt + FLUSH_MS - Date.now()) : await next;
        if (r === TIMEOUT) {
          await flush();
          continue;
        }
        if (r.done) break;
        backoff.reset();
        if (r.value.status) {
          if (pending.length === 0) oldestAt = Date.now();
          pending.push(r.value.status);
        }
        if (pending.length >= FLUSH_ROWS) await flush();
        next = it.next();
      }
    } catch (err) {
      if (signal.aborted) return;
      d.log.warn({ place: d.placeId, err: (err as Error).message }, "device state stream lost; reconnecting");
    } finally {
      next.catch(() => undefined);
    }
    await flush().catch(() => undefined);
    await sleep(backoff.next(), signal).catch(() => undefined);
  }
}
