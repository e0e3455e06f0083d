import type { DeviceCounts } from "../device/device-port.js";
import { inSpan } from "../tracing.js";
import type { Cursor } from "./cursor.js";
import { deliver } from "./deliver.js";
import { checkAborted, type SyncTarget } from "./sync-target.js";

export interface PullResult {
  cursor: Cursor;
  stored: number;
  /** False when the counts showed nothing new and the log was not read. */
  read: boolean;
  counts: DeviceCounts;
}

/**
 * One incremental sync: probe the counts, read the log only when the count moved away from the
 * cursor (or when forced), deliver what is new.
 */
export async function pull(t: SyncTarget, cursor: Cursor, force = false): Promise<PullResult> {
  const counts = await t.port.counts();
  if (!force && counts.records === cursor.recordsIngested) return { cursor, stored: 0, read: false, counts };
  return t.slots.run(() =>
    inSpan("device.sync", { "device.id": t.deviceId, "device.records": counts.records }, async () => {
      checkAborted(t.signal); // the actor may have moved on while we waited for a slot
      const records = await t.port.readLog({ lock: t.lockDuringRead });
      const delivery = await deliver(t, records, cursor);
      return {
        cursor: delivery.cursor,
        stored: delivery.stored,
        read: true,
        counts: { ...counts, records: records.length },
      };
    }),
  );
}
