import { NotFoundError } from "@biometricflow/grpc-kit";
import { DeviceState, DeviceStatus } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import type { Journal } from "../journal/journal.js";

type Listener = (status: DeviceStatus) => void;

/**
 * The latest status of each device as its supervisor reported it: kept in memory for answers
 * and WatchDevices, persisted so a restart still knows serials, counts and last-seen times.
 * Persisting is coalesced into one transaction per event-loop turn, so thousands of devices
 * reporting at once cost one fsync, not thousands.
 */
export class DeviceStatusBoard {
  private readonly latest = new Map<string, DeviceStatus>();
  private readonly listeners = new Set<Listener>();
  private readonly dirty = new Set<string>();
  private flushing: NodeJS.Immediate | undefined;

  constructor(
    deviceIds: readonly string[],
    private readonly journal: Journal,
    private readonly log: Logger,
    now = new Date(),
  ) {
    this.setDevices(deviceIds, now);
  }

  /**
   * Follow the configured device list: a new device starts from its stored facts (state UNKNOWN);
   * a removed one is announced DISABLED to subscribers once, then disappears.
   */
  setDevices(deviceIds: readonly string[], now = new Date(), addedBecause?: string): void {
    const wanted = new Set(deviceIds);
    for (const [id, last] of this.latest) {
      if (wanted.has(id)) continue;
      this.latest.delete(id);
      this.dirty.delete(id);
      const gone = {
        ...last,
        state: DeviceState.DEVICE_STATE_DISABLED,
        stateSince: now,
        detail: "removed from the place's configuration",
      };
      for (const listener of this.listeners) listener(gone);
    }
    const added = deviceIds.filter((id) => !this.latest.has(id));
    if (added.length === 0) return;
    const stored = new Map(this.journal.devices.statuses().map((s) => [s.deviceId, s.statusJson]));
    for (const id of added) {
      const json = stored.get(id);
      const last = json
        ? DeviceStatus.fromJSON(JSON.parse(json))
        : DeviceStatus.fromPartial({ deviceId: id });
      // What a supervisor said before this process started is history, not the present.
      this.latest.set(id, {
        ...last,
        state: DeviceState.DEVICE_STATE_UNKNOWN,
        stateSince: now,
        detail:
          addedBecause ??
          (json ? "place restarted; waiting for its supervisor" : "no supervisor has reported yet"),
      });
      if (this.listeners.size > 0) {
        const current = this.get(id);
        for (const listener of this.listeners) listener(current);
      }
    }
  }

  /** The device's status, with the journal's cursor as records_ingested. */
  get(deviceId: string): DeviceStatus {
    const status = this.latest.get(deviceId);
    if (!status) throw new NotFoundError(`device "${deviceId}" is not a device of this place`);
    return { ...status, recordsIngested: this.journal.devices.cursor(deviceId).recordsIngested };
  }

  all(): DeviceStatus[] {
    return [...this.latest.keys()].map((id) => this.get(id));
  }

  report(status: DeviceStatus): void {
    if (!this.latest.has(status.deviceId)) {
      throw new NotFoundError(`device "${status.deviceId}" is not a device of this place`);
    }
    this.latest.set(status.deviceId, status);
    this.dirty.add(status.deviceId);
    this.flushing ??= setImmediate(() => this.flush());
    const current = this.get(status.deviceId);
    for (const listener of this.listeners) listener(current);
  }

  /** Mark devices whose supervisor went away: nobody knows their state now. */
  orphan(deviceIds: Iterable<string>, why: string, now = new Date()): void {
    for (const id of deviceIds) {
      const last = this.latest.get(id);
      if (last)
        this.report({ ...last, state: DeviceState.DEVICE_STATE_UNKNOWN, stateSince: now, detail: why });
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Write pending reports now (also on shutdown). */
  flush(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    if (this.dirty.size === 0) return;
    const ids = [...this.dirty];
    this.dirty.clear();
    try {
      this.journal.transaction(() => {
        for (const id of ids) {
          const s = this.latest.get(id)!;
          this.journal.devices.saveStatus(id, JSON.stringify(DeviceStatus.toJSON(s)), Date.now());
        }
      });
    } catch (err) {
      // Statuses are advisory and re-reported; losing one must not take ingest down with it.
      this.log.warn({ err }, "could not persist device statuses");
    }
  }
}
