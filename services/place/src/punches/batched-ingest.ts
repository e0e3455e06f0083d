import type { CapturedPunch, DeviceCursor, DeviceIngestResult, DevicePunches } from "@biometricflow/proto";
import { GroupCommit } from "./group-commit.js";
import { validateGroup, type IngestDeps, type IngestResult, type ValidGroup } from "./ingest.js";

/** The ingest the supervisors call: validated per call, committed in groups. */
export interface BatchedIngest {
  /** One device's punches (IngestPunches); validation errors reject the call. */
  one(
    deviceId: string,
    deviceSerial: string,
    punches: readonly CapturedPunch[],
    cursor?: DeviceCursor,
  ): Promise<IngestResult>;
  /** Several devices' punches (IngestPunchBatch): a bad group is refused, the others stored. */
  many(groups: readonly DevicePunches[]): Promise<{ results: DeviceIngestResult[]; headOffset: number }>;
}

export function createBatchedIngest(d: IngestDeps): BatchedIngest {
  const now = d.now ?? Date.now;
  const commit = new GroupCommit(d, now);
  return {
    one(deviceId, deviceSerial, punches, cursor) {
      try {
        return commit.store(validateGroup(d, deviceId, deviceSerial, punches, cursor, now()));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
    async many(groups) {
      const nowMs = now();
      const results: DeviceIngestResult[] = [];
      const pending: Promise<IngestResult>[] = [];
      const slots: number[] = [];
      for (const g of groups) {
        let valid: ValidGroup;
        try {
          valid = validateGroup(d, g.deviceId, g.deviceSerial, g.punches, g.cursor, nowMs);
        } catch (err) {
          results.push({ stored: 0, duplicates: 0, rejected: 0, error: (err as Error).message });
          continue;
        }
        slots.push(results.length);
        results.push({ stored: 0, duplicates: 0, rejected: 0, error: "" });
        pending.push(commit.store(valid));
      }
      // All groups were queued in this turn, so they share one commit: it stores all or none.
      const stored = await Promise.all(pending);
      let headOffset = d.feed.head;
      stored.forEach((r, i) => {
        results[slots[i]!] = { stored: r.stored, duplicates: r.duplicates, rejected: r.rejected, error: "" };
        headOffset = r.headOffset;
      });
      return { results, headOffset };
    },
  };
}
