import type { DeviceCounts } from "../device/device-port.js";
import { inSpan } from "../tracing.js";
import type { Cursor } from "./cursor.js";
import { deliver } from "./deliver.js";
import { liveVerdict } from "./live-tally.js";
import { checkAborted, type SyncTarget } from "./sync-target.js";

export interface PullResult {
  cursor: Cursor;
  stored: number;
  /** False when the counts showed nothing new and the log was not read. */
  read: boolean;
  counts: DeviceCounts;
}

/**
 * One incremental sync: probe the counts, read the log only when it holds something the place
 * may lack (or when forced), deliver what is new. Records that live capture delivered move the
 * cursor without a read (liveVerdict).
 */
export async function pull(t: SyncTarget, cursor: Cursor, force = false): Promise<PullResult> {
  const counts = await t.port.counts();
  if (!force) {
    const verdict = liveVerdict(cursor, t.live.snapshot(), counts.records);
    if (verdict.kind === "pending") return { cursor, stored: 0, read: false, counts };
    if (verdict.kind === "confirmed") {
      t.live.confirmed(verdict.base);
      if (verdict.cursor !== cursor) tellPlace(t, verdict.cursor);
      return { cursor: verdict.cursor, stored: 0, read: false, counts };
    }
  }
  return t.slots.run(() =>
    inSpan("device.sync", { "device.id": t.deviceId, "device.records": counts.records }, async () => {
      checkAborted(t.signal); // the actor may have moved on while we waited for a slot
      const mark = t.live.readStarted();
      const records = await t.port.readLog({ lock: t.lockDuringRead });
      t.live.readDone(mark);
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

/**
 * The place keeps the cursor too (for status and for a restarted supervisor). Its copy only
 * saves work, so it rides with the live punches and a failure is not an error: a stale copy
 * makes the next read start earlier, never skip.
 */
function tellPlace(t: SyncTarget, cursor: Cursor): void {
  t.link
    .ingestLive({ deviceId: t.deviceId, deviceSerial: t.serial, punches: [], cursor })
    .catch(() => undefined);
}
