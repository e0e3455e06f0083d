import { inSpan } from "../tracing.js";
import { EMPTY_CURSOR, type Cursor } from "./cursor.js";
import { deliver } from "./deliver.js";
import { checkAborted, type SyncTarget } from "./sync-target.js";

export interface ClearResult {
  cursor: Cursor;
  stored: number;
  cleared: number;
}

/**
 * Clear the device log without losing a punch: disable -> read -> durable ack -> clear -> enable.
 * The device stays disabled from the read to the clear, so nothing can land in between (pyzk #85),
 * and it is enabled again whatever happens. Every step is audited; a step that cannot be audited
 * is not taken.
 */
export async function clearLog(
  t: SyncTarget,
  cursor: Cursor,
  actor: string,
  reason: string,
): Promise<ClearResult> {
  const audit = (action: string, detail: string): Promise<void> =>
    t.link.audit({ deviceId: t.deviceId, actor, action: `device.clear_log.${action}`, detail });
  return inSpan("device.clear_log", { "device.id": t.deviceId }, async () => {
    let disabled = false;
    try {
      // The slot first: the device must not sit disabled while we wait for one.
      const result = await t.slots.run(() => {
        checkAborted(t.signal);
        disabled = true;
        return t.port.withDisabled(() => readAckClear(t, cursor, reason, audit));
      });
      disabled = false;
      await audit("enable", "device enabled");
      return result;
    } catch (err) {
      const why = (err as Error).message;
      if (disabled)
        await audit("enable", `device enabled after a failed clear: ${why}`).catch(() => undefined);
      throw err;
    }
  });
}

/** The steps taken while the device is disabled. */
async function readAckClear(
  t: SyncTarget,
  cursor: Cursor,
  reason: string,
  audit: (action: string, detail: string) => Promise<void>,
): Promise<ClearResult> {
  await audit("disable", `device disabled to clear its log (${reason || "no reason given"})`);
  const records = await t.port.readLog({ lock: false });
  await audit("read", `${records.length} records read`);
  const delivery = await deliver(t, records, cursor);
  const acked = delivery.cursor.recordsIngested;
  await audit("ack", `place stored ${delivery.stored} new of ${delivery.sent} sent; cursor at ${acked}`);
  checkAborted(t.signal);
  const now = await t.port.counts();
  if (now.records !== records.length) {
    throw new Error(
      `log changed from ${records.length} to ${now.records} records while disabled; not clearing`,
    );
  }
  await t.port.clearLog();
  t.live.cleared();
  await audit("clear", `${records.length} records cleared`);
  // The place must know the log starts again at 0 before new punches are pulled.
  await t.link.ingest({ deviceId: t.deviceId, deviceSerial: t.serial, punches: [], cursor: EMPTY_CURSOR });
  t.onAck(EMPTY_CURSOR);
  return { cursor: EMPTY_CURSOR, stored: delivery.stored, cleared: records.length };
}
