import { currentTraceCarrier } from "@biometricflow/telemetry";
import type { AttendanceLogEntry } from "@biometricflow/zk";
import { cursorAt, planSync, sameCursor, type Cursor } from "./cursor.js";
import { pulledEntry } from "./punches.js";
import { checkAborted, type SyncTarget } from "./sync-target.js";

export interface Delivery {
  cursor: Cursor;
  /** Punches the place stored as new. */
  stored: number;
  /** Punches sent (new or duplicate). */
  sent: number;
  /** Records the place set aside (unreadable ones among them), kept in its audit log. */
  rejected: number;
}

/**
 * Send the records after the cursor (all of them when the log was cleared or replaced) in
 * batches. Records that could not be read are sent too, with their bytes: the place sets them
 * aside in its audit log, and the cursor moves past them like past any other. Each batch carries the cursor after it; the cursor moves only once the place answered.
 */
export async function deliver(
  t: SyncTarget,
  records: readonly AttendanceLogEntry[],
  cursor: Cursor,
): Promise<Delivery> {
  const { from } = planSync(cursor, records);
  const trace = currentTraceCarrier();
  const receivedAt = new Date();
  let current = cursor;
  let stored = 0;
  let rejected = 0;
  for (let start = from; start < records.length; start += t.batchSize) {
    checkAborted(t.signal);
    const end = Math.min(records.length, start + t.batchSize);
    const next = cursorAt(records, end);
    const punches = records.slice(start, end).map((r) => pulledEntry(r, receivedAt, trace));
    const answer = await t.link.ingest({
      deviceId: t.deviceId,
      deviceSerial: t.serial,
      punches,
      cursor: next,
    });
    stored += answer.stored;
    rejected += answer.rejected;
    current = next;
    t.onAck(current);
  }
  // A shorter log with nothing new (e.g. cleared): the place must still learn the new position.
  const final = cursorAt(records, records.length);
  if (!sameCursor(current, final)) {
    await t.link.ingest({ deviceId: t.deviceId, deviceSerial: t.serial, punches: [], cursor: final });
    current = final;
    t.onAck(current);
  }
  return { cursor: current, stored, sent: records.length - from, rejected };
}
