import type { Place } from "@biometricflow/proto";

/**
 * The place an address serves must be the one configured there: offsets, rules and people are all
 * stored under the configured id, so addresses swapped by mistake would mix two places' data.
 */
export function confirmPlace(place: Place | undefined, placeId: string, address: string): Place {
  if (!place) throw new Error(`${address}: GetPlace answered without a place`);
  if (place.id !== placeId)
    throw new Error(
      `${address} serves place "${place.id}", not "${placeId}": fix the aggregator's places configuration`,
    );
  return place;
}
