import { DeviceState, type DeviceStatus } from "@biometricflow/proto";
import type { PlaceProcess } from "./place.js";

export interface SeenState {
  at: number;
  state: DeviceState;
  detail: string;
}

/**
 * Every device state a place reports over WatchDevices, kept per device, so a test can show that a
 * fault really hit (the device left LIVE) and that it recovered (LIVE again afterwards).
 */
export class DeviceWatch {
  private readonly seen = new Map<string, SeenState[]>();
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(place: PlaceProcess) {
    this.done = (async () => {
      for await (const msg of place.client.watchDevices({}, { signal: this.abort.signal })) {
        if (msg.status) this.add(msg.status);
      }
    })().catch(() => undefined); // cancelled at stop(), or the place went away
  }

  private add(s: DeviceStatus): void {
    const list = this.seen.get(s.deviceId) ?? [];
    const last = list.at(-1);
    if (last?.state !== s.state || last.detail !== s.detail) {
      list.push({ at: Date.now(), state: s.state, detail: s.detail });
    }
    this.seen.set(s.deviceId, list);
  }

  history(deviceId: string): SeenState[] {
    return this.seen.get(deviceId) ?? [];
  }

  /** The first report of `state` (whose detail matches) at or after `since`. */
  find(deviceId: string, state: DeviceState, since = 0, detail?: RegExp): SeenState | undefined {
    return this.history(deviceId).find(
      (s) => s.at >= since && s.state === state && (!detail || detail.test(s.detail)),
    );
  }

  current(deviceId: string): DeviceState | undefined {
    return this.history(deviceId).at(-1)?.state;
  }

  describe(deviceId: string): string {
    return this.history(deviceId)
      .map((s) => `${DeviceState[s.state]}${s.detail ? ` (${s.detail})` : ""}`)
      .join(" -> ");
  }

  stop(): Promise<void> {
    this.abort.abort();
    return this.done;
  }
}
