import type { PlaceServiceClient } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import { Backoff, sleep } from "../ingest/backoff.js";
import type { IngestStatusBoard } from "../ingest/ingest-status.js";
import type { PlaceStore } from "../store/place-store.js";
import type { RulesHistoryStore } from "../store/rules-history-store.js";
import type { UserStore } from "../store/user-store.js";
import { confirmPlace } from "./confirm-place.js";
import type { PlaceBook } from "./place-book.js";

export interface PlaceSyncDeps {
  placeId: string;
  address: string;
  client: PlaceServiceClient;
  book: PlaceBook;
  places: PlaceStore;
  rules: RulesHistoryStore;
  users: UserStore;
  status: IngestStatusBoard;
  log: Logger;
  refreshMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

/**
 * Keeps a place's rules and people current, with their history (a change takes effect the day it
 * is seen): GetPlace and ListUsers now, then every refreshMs;
 * after a failure (place or ClickHouse down) again with backoff. Analytics judges attendance by
 * these rules, and keeps working from the stored copy while the place is down.
 */
export async function runPlaceSync(d: PlaceSyncDeps, signal: AbortSignal): Promise<void> {
  const backoff = new Backoff(d.retryInitialMs, d.retryMaxMs);
  while (!signal.aborted) {
    try {
      const answer = await d.client.getPlace({}, { signal });
      const place = confirmPlace(answer.place, d.placeId, d.address);
      const { headOffset } = answer;
      d.book.set(place);
      // Reachable, even while its stream has nothing to send.
      d.status.update(d.placeId, { connected: true, headOffset });
      await d.places.save(place, d.address);
      // A new version only when the rules changed: days from today on are judged by it.
      await d.rules.record(place, Date.now());
      const { users } = await d.client.listUsers({}, { signal });
      await d.users.replaceAll(d.placeId, users);
      backoff.reset();
      await sleep(d.refreshMs, signal);
    } catch (err) {
      if (signal.aborted) return;
      d.log.warn(
        { place: d.placeId, err: (err as Error).message },
        "place rules/users sync failed; retrying",
      );
      await sleep(backoff.next(), signal).catch(() => undefined);
    }
  }
}
