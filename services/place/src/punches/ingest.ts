import { createHash } from "node:crypto";
import { InvalidArgumentError, NotFoundError, UnavailableError } from "@biometricflow/grpc-kit";
import type { CapturedPunch, DeviceCursor } from "@biometricflow/proto";
import { currentTraceCarrier, type Logger } from "@biometricflow/telemetry";
import type { Journal } from "../journal/journal.js";
import { toNewPunch, type NewPunch } from "./new-punch.js";
import type { PunchFeed } from "./punch-feed.js";
import type { OffsetSource } from "../time/zone-offsets.js";

export interface IngestResult {
  stored: number;
  duplicates: number;
  /** Punches that could not be stored as punches: kept in the audit log as `punch.rejected`. */
  rejected: number;
  headOffset: number;
}

/** A punch that fails validation: kept with the reason, so nothing a device held is lost. */
export interface RejectedPunch {
  reason: string;
  punch: CapturedPunch;
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

/** One device's punches, validated, with the cursor to store beside them. */
export interface ValidGroup {
  deviceId: string;
  deviceSerial: string;
  rows: NewPunch[];
  rejected: RejectedPunch[];
  cursor: DeviceCursor | undefined;
}

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

/**
 * Validate one device's punches. A bad call (unknown device, no serial, too many) is refused
 * whole; a bad punch is set aside with its reason and the rest go on: one unreadable record
 * must not stop a device's whole backlog (its cursor still moves past it).
 */
export function validateGroup(
  d: IngestDeps,
  deviceId: string,
  deviceSerial: string,
  punches: readonly CapturedPunch[],
  cursor: DeviceCursor | undefined,
  nowMs: number,
): ValidGroup {
  if (!d.deviceIds.has(deviceId))
    throw new NotFoundError(`device "${deviceId}" is not a device of this place`);
  if (deviceSerial === "")
    throw new InvalidArgumentError("device_serial is required: it is part of each punch's identity");
  if (punches.length > MAX_BATCH) {
    throw new InvalidArgumentError(`at most ${MAX_BATCH} punches per call, got ${punches.length}`);
  }
  const origin = { deviceId, deviceSerial, zone: d.zone, nowMs, trace: currentTraceCarrier() };
  const rows: NewPunch[] = [];
  const rejected: RejectedPunch[] = [];
  punches.forEach((p, i) => {
    try {
      rows.push(toNewPunch(p, origin, `punches[${i}]`));
    } catch (err) {
      if (!(err instanceof InvalidArgumentError)) throw err;
      rejected.push({ reason: err.message, punch: p });
    }
  });
  return { deviceId, deviceSerial, rows, rejected, cursor };
}

/**
 * Store groups in ONE transaction (one fsync however many groups), then wake the subscribers
 * once. Returns how many punches of each group were new, and the head after the commit.
 */
export function storeGroups(
  d: IngestDeps,
  groups: readonly ValidGroup[],
  nowMs: number,
): { stored: number[]; headOffset: number } {
  const stored = groups.map(() => 0);
  let headOffset: number;
  try {
    headOffset = d.journal.transaction(() => {
      groups.forEach((g, i) => {
        let n = 0;
        for (const row of g.rows) if (d.journal.punches.insertIfNew(row)) n++;
        for (const r of g.rejected) recordRejected(d, g, r, nowMs);
        if (g.cursor) d.journal.devices.saveCursor(g.deviceId, g.cursor, nowMs);
        stored[i] = n;
      });
      const head = d.journal.punches.head();
      d.journal.blocks.seal(d.journal.punches, head); // in this transaction: a block always matches its rows
      return head;
    });
  } catch (err) {
    d.onStorageHealth?.(false);
    d.log.error({ err, groups: groups.length }, "journal write failed");
    throw new UnavailableError(`the journal could not store the punches: ${(err as Error).message}`);
  }
  d.onStorageHealth?.(true);
  d.feed.publish(headOffset);
  return { stored, headOffset };
}

/**
 * What makes a rejected punch the same one when its batch is sent again: the device, what it
 * recorded and its bytes; not when it was received, its trace, nor its place in the batch.
 */
function rejectedKey(g: ValidGroup, p: CapturedPunch, raw: string | undefined): string {
  const what = [g.deviceId, g.deviceSerial, p.userId, p.localTime, p.punchState, p.verifyMethod, raw ?? ""];
  return `punch.rejected:${createHash("sha256").update(JSON.stringify(what)).digest("hex")}`;
}

function recordRejected(d: IngestDeps, g: ValidGroup, r: RejectedPunch, nowMs: number): void {
  const { receivedAt, rawRecord, ...punch } = r.punch;
  // The device's bytes as hex: JSON of a Buffer would be an array of numbers.
  const raw = rawRecord && rawRecord.length > 0 ? Buffer.from(rawRecord).toString("hex") : undefined;
  const recorded = d.journal.audit.recordOnce(rejectedKey(g, r.punch, raw), {
    atMs: nowMs,
    actor: "ingest",
    action: "punch.rejected",
    target: g.deviceId,
    detail: {
      reason: r.reason,
      deviceSerial: g.deviceSerial,
      ...(raw === undefined ? {} : { rawRecord: raw }),
      punch: { ...punch, receivedAt: receivedAt?.toISOString(), rawRecord: raw },
    },
  });
  if (recorded)
    d.log.warn(
      { deviceId: g.deviceId, reason: r.reason },
      "punch rejected; kept in the audit log as punch.rejected",
    );
}

/** Validate and store one call's punches at once, in a transaction of its own. */
export function createIngest(d: IngestDeps): Ingest {
  const now = d.now ?? Date.now;
  return (deviceId, deviceSerial, punches, cursor) => {
    const nowMs = now();
    const group = validateGroup(d, deviceId, deviceSerial, punches, cursor, nowMs);
    const { stored, headOffset } = storeGroups(d, [group], nowMs);
    const n = stored[0]!;
    const duplicates = group.rows.length - n;
    if (n > 0) d.log.debug({ deviceId, stored: n, duplicates, headOffset }, "punches stored");
    return { stored: n, duplicates, rejected: group.rejected.length, headOffset };
  };
}
