import type { DeviceConfig } from "../config.js";
import type { Journal } from "../journal/journal.js";

/**
 * Store the configured device list in the journal. A device the journal has never seen gets every
 * user of the place queued in its outbox (upserts only: users enrolled on the device itself are
 * left alone). Returns the ids of those new devices. Call inside a transaction.
 */
export function recordDevices(
  journal: Journal,
  devices: readonly DeviceConfig[],
  actor: string,
  atMs: number,
): string[] {
  // The comm key is a device password: it stays in the config file, not in the journal.
  const rows = devices.map(({ commKey: _key, ...d }) => ({ id: d.id, configJson: JSON.stringify(d) }));
  const firstSeen = journal.devices.syncConfigured(rows, atMs);
  if (firstSeen.length === 0) return firstSeen;
  const users = journal.users.list();
  for (const deviceId of firstSeen)
    for (const u of users) journal.outbox.enqueue({ deviceId, userId: u.userId, op: "upsert", actor, atMs });
  return firstSeen;
}
