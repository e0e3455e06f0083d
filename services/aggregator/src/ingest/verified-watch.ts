import type { PlaceServiceClient, WatchPunchesResponse } from "@biometricflow/proto";

/**
 * WatchPunches, after checking that the address serves the place configured there. Offsets are
 * committed under the configured id: following another place's journal (addresses swapped by
 * mistake) would store its punches and later resume the real place from the wrong offset.
 * A mismatch fails the stream, so the follower shows it as its last error and retries.
 */
export async function* verifiedWatch(
  client: PlaceServiceClient,
  o: { placeId: string; address: string; fromOffset: number; maxBatch: number },
  signal: AbortSignal,
): AsyncIterable<WatchPunchesResponse> {
  const { place } = await client.getPlace({}, { signal });
  if (place?.id !== o.placeId) {
    throw new Error(
      `${o.address} serves place "${place?.id ?? "?"}", not "${o.placeId}": fix the aggregator's places configuration`,
    );
  }
  yield* client.watchPunches({ fromOffset: o.fromOffset, maxBatch: o.maxBatch, columnar: true }, { signal });
}
