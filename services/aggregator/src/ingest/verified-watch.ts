import type { PlaceServiceClient, WatchPunchesResponse } from "@biometricflow/proto";
import { READ_PACKED } from "../store/punch-block-rows.js";
import { confirmPlace } from "../sync/confirm-place.js";

/**
 * GetPlace: the address must serve the configured place (offsets are committed under that id);
 * then which journal it serves ("" from a place that predates journal ids) and its head. A
 * mismatch throws: the follower shows it as its last error and retries.
 */
export async function connectPlace(
  client: PlaceServiceClient,
  o: { placeId: string; address: string },
  signal: AbortSignal,
): Promise<{ journalId: string; head: number }> {
  const r = await client.getPlace({}, { signal });
  confirmPlace(r.place, o.placeId, o.address);
  return { journalId: r.journalId, head: r.headOffset };
}

/**
 * WatchPunches of the journal `journalId` (learnt from connectPlace): a place whose journal was
 * replaced since then refuses it (FAILED_PRECONDITION) instead of sending another journal's
 * punches at these offsets.
 */
export function verifiedWatch(
  client: PlaceServiceClient,
  o: { journalId: string; fromOffset: number; maxBatch: number },
  signal: AbortSignal,
): AsyncIterable<WatchPunchesResponse> {
  return client.watchPunches(
    {
      fromOffset: o.fromOffset,
      maxBatch: o.maxBatch,
      columnar: true,
      packed: READ_PACKED,
      journalId: o.journalId,
    },
    { signal },
  );
}
