import type { ClickHouseDb } from "@biometricflow/clickhouse";
import type { DeviceStatus } from "@biometricflow/proto";

/** Device state history: one row per state entered, the newest observation's details winning. */
export class DeviceStateStore {
  constructor(private readonly db: ClickHouseDb) {}

  save(placeId: string, statuses: readonly DeviceStatus[], observedMs = Date.now()): Promise<void> {
    return this.db.insert(
      "device_states",
      statuses.map((s) => {
        const since = s.stateSince ?? new Date(observedMs);
        return {
          place_id: placeId,
          device_id: s.deviceId,
          state: s.state,
          since: since.toISOString().slice(0, 19).replace("T", " "),
          since_ms: since.getTime(),
          detail: s.detail,
          serial_number: s.serialNumber,
          firmware: s.firmware,
          records_on_device: s.recordsOnDevice,
          records_capacity: s.recordsCapacity,
          users_on_device: s.usersOnDevice,
          clock_drift_seconds: s.clockDriftSeconds,
          consecutive_failures: s.consecutiveFailures,
          observed_ms: observedMs,
        };
      }),
    );
  }
}
