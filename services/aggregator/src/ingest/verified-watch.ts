import type { PlaceServiceClient, WatchPunchesResponse } from "@biometricflow/proto";
import { READ_PACKED } from "../store/punch-block-rows.js";
import { confirmPlace } from "../sync/confirm-place.js";

/**
 * WatchPunches, once the address proved to serve the configured place (offsets are committed
 * under that id). A mismatch fails the stream: the follower shows it as its last error and retries.
 */
export async function* verifiedWatch(
  client: PlaceServiceClient,
  o: { placeId: string; address: string; fromOffset: number; maxBatch: number },
  signal: AbortSignal,
): AsyncIterable<WatchPunchesResponse> {
  confirmPlace((await client.getPlace({}, { signal })).place, o.placeId, o.address);
  yield* client.watchPunches(
    { fromOffset: o.fromOffset, maxBatch: o.maxBatch, columnar: true, packed: READ_PACKED },
    { signal },
  );
}
