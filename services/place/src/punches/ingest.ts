import { InvalidArgumentError, NotFoundError, UnavailableError } from "@biometricflow/grpc-kit";
import type { CapturedPunch, DeviceCursor } from "@biometricflow/proto";
import { currentTraceCarrier, type Logger } from "@biometricflow/telemetry";
import type { Journal } from "../journal/journal.js";
import { toNewPunch } from "./new-punch.js";
import type { PunchFeed } from "./punch-feed.js";
import type { OffsetSource } from "../time/zone-offsets.js";

export interface IngestResult {
  stored: number;
  duplicates: number;
  headOffset: number;
}

/**
 * The one way punches enter the journal, whatever their source (supervisor pull or live event
 * now, ADMS push later). Answers after commit, so the caller may advance its high-water mark.
 */
export type Ingest = (
  deviceId: string,
  deviceSerial: string,
  punches: readonly CapturedPunch[],
  cursor?: DeviceCursor,
) => IngestResult;

export interface IngestDeps {
  journal: Journal;
  feed: PunchFeed;
  zone: OffsetSource;
  deviceIds: ReadonlySet<string>;
  log: Logger;
  /** Told whether the disk took the last write, so health can say so. */
  onStorageHealth?: (ok: boolean) => void;
  now?: () => number;
}

/** Most punches one call may carry (a device holds up to ~200,000; pull in pages). */
export const MAX_BATCH = 50_000;

export function createIngest(d: IngestDeps): Ingest {
  const now = d.now ?? Date.now;
  return (deviceId, deviceSerial, punches, cursor) => {
    if (!d.deviceIds.has(deviceId))
      throw new NotFoundError(`device "${deviceId}" is not a device of this place`);
    if (deviceSerial === "")
      throw new InvalidArgumentError("device_serial is required: it is part of each punch's identity");
    if (punches.length > MAX_BATCH) {
      throw new InvalidArgumentError(`at most ${MAX_BATCH} punches per call, got ${punches.length}`);
    }
    const nowMs = now();
    const origin = { deviceId, deviceSerial, zone: d.zone, nowMs, trace: currentTraceCarrier() };
    // Validate the whole batch first: a bad punch rejects the call and nothing is stored.
    const rows = punches.map((p, i) => toNewPunch(p, origin, `punches[${i}]`));
    let stored = 0;
    let headOffset: number;
    try {
      headOffset = d.journal.transaction(() => {
        for (const row of rows) if (d.journal.punches.insertIfNew(row)) stored++;
        if (cursor) d.journal.devices.saveCursor(deviceId, cursor, nowMs);
        return d.journal.punches.head();
      });
    } catch (err) {
      d.onStorageHealth?.(false);
      d.log.error({ err, deviceId }, "journal write failed");
      throw new UnavailableError(`the journal could not store the punches: ${(err as Error).message}`);
    }
    d.onStorageHealth?.(true);
    d.feed.publish(headOffset);
    if (stored > 0)
      d.log.debug({ deviceId, stored, duplicates: rows.length - stored, headOffset }, "punches stored");
    return { stored, duplicates: rows.length - stored, headOffset };
  };
}
