import type { Logger } from "@biometricflow/telemetry";
import type { PunchStore } from "../store/punch-store.js";

/**
 * Where to read a place's journal `journalId` from (GetPlace journal_id, "" from a place that
 * predates journal ids). Offsets are positions in one journal: a journal restored from a backup or
 * recreated numbers its punches from 1 again under a new id, so each journal has its own offset.
 * - A journal already read resumes after its committed offset.
 * - The first journal id seen for a place takes the offset stored before journal ids existed
 *   (ingest_offsets, or under ""), and is recorded at once so a later journal cannot take it too.
 * - Any other journal is new: read from 0, with one warning. Punches read again are harmless:
 *   ClickHouse keeps one row per punch in the FINAL view, by dedup key.
 */
export async function journalStart(
  store: PunchStore,
  o: { placeId: string; journalId: string; head: number; log: Logger },
): Promise<number> {
  const { placeId, journalId, head, log } = o;
  const journals = await store.journalOffsets(placeId);
  const known = journals.find((j) => j.journalId === journalId);
  if (known) return known.offset;
  const unnamed = Math.max(
    await store.legacyOffset(placeId),
    journals.find((j) => j.journalId === "")?.offset ?? 0,
  );
  if (journalId === "") return unnamed;
  const named = journals.filter((j) => j.journalId !== "");
  if (named.length === 0) {
    await store.commitOffset(placeId, journalId, unnamed, Math.max(head, unnamed));
    if (unnamed > 0)
      log.info(
        { place: placeId, journalId, offset: unnamed },
        "offset stored before journal ids taken as this journal's",
      );
    return unnamed;
  }
  const previous = named.reduce((a, b) => (b.committedAtMs > a.committedAtMs ? b : a));
  await store.commitOffset(placeId, journalId, 0, head);
  log.warn(
    {
      place: placeId,
      previousJournalId: previous.journalId,
      journalId,
      previousOffset: previous.offset,
      head,
    },
    `place ${placeId}'s journal changed from ${previous.journalId} to ${journalId} (restored or recreated): ` +
      `reading it from the start`,
  );
  return 0;
}
