import type { Logger } from "@biometricflow/telemetry";
import type { JournalOffset, PunchStore } from "../store/punch-store.js";

/**
 * Where a follower reads from in a place's journal, and the key its offsets are committed under
 * (journal_offsets.journal_id): the journal id, or `<journal id>@<ms>` once a journal was seen
 * behind its stored offset.
 */
export interface JournalPosition {
  offset: number;
  key: string;
}

const baseOf = (key: string): string => key.split("@")[0]!;

/**
 * Where to read a place's journal `journalId` from (GetPlace journal_id, "" from a place that
 * predates journal ids), whose head is `head`. Offsets are positions in one journal: a journal
 * restored from a backup or recreated numbers its punches again from a lower offset, so:
 * - A journal already read resumes after its committed offset.
 * - The first journal id seen for a place takes the offset stored before journal ids existed
 *   (ingest_offsets, or under ""), and is recorded at once so a later journal cannot take it too.
 * - Any other journal is new: read from 0, with one warning.
 * - A journal whose head is behind its committed offset was restored from a backup (it has the
 *   same id): its offsets past the backup name other punches now, so it is read from 0 under a new
 *   key, with one warning.
 * Punches read again are harmless: ClickHouse keeps one row per punch in the FINAL view, by dedup key.
 */
export async function journalStart(
  store: PunchStore,
  o: { placeId: string; journalId: string; head: number; log: Logger },
): Promise<JournalPosition> {
  const { placeId, journalId, head, log } = o;
  // Both at once: one round trip before the place's stream can start, not two.
  const [journals, legacy] = await Promise.all([store.journalOffsets(placeId), store.legacyOffset(placeId)]);
  // The key committed to last; on a tie (the same millisecond), the later key of the journal.
  const generation = (j: JournalOffset): number => Number(j.journalId.split("@")[1] ?? 0);
  const later = (a: JournalOffset, b: JournalOffset): boolean =>
    b.committedAtMs > a.committedAtMs ||
    (b.committedAtMs === a.committedAtMs && generation(b) > generation(a));
  const latest = (of: JournalOffset[]): JournalOffset | undefined =>
    of.reduce<JournalOffset | undefined>((a, b) => (!a || later(a, b) ? b : a), undefined);
  const restart = (why: string): Promise<JournalPosition> => journalRestart(store, o, why);
  let known = latest(journals.filter((j) => baseOf(j.journalId) === journalId));
  if (!known && journalId === "") {
    known = { journalId: "", offset: legacy, committedAtMs: 0 };
  }
  if (known) {
    if (head >= known.offset) return { offset: known.offset, key: known.journalId };
    return restart(
      `place ${placeId}'s journal ${journalId || "(no id)"} is at offset ${head}, behind the offset ` +
        `${known.offset} already stored (restored from a backup?)`,
    );
  }
  const named = journals.filter((j) => j.journalId !== "" && !j.journalId.startsWith("@"));
  if (named.length === 0) {
    const unnamed = Math.max(legacy, latest(journals)?.offset ?? 0);
    if (head < unnamed)
      return restart(
        `place ${placeId}'s journal ${journalId} is at offset ${head}, behind the offset ${unnamed} ` +
          `stored before journal ids (restored from a backup?)`,
      );
    // Recorded at once, so that no later journal takes it too. From 0 there is nothing to take
    // (any journal never seen is read from 0), so nothing to wait for before reading.
    if (unnamed > 0) {
      await store.commitOffset(placeId, journalId, unnamed, Math.max(head, unnamed));
      log.info(
        { place: placeId, journalId, offset: unnamed },
        "offset stored before journal ids taken as this journal's",
      );
    }
    return { offset: unnamed, key: journalId };
  }
  const previous = baseOf(latest(named)!.journalId);
  await store.commitOffset(placeId, journalId, 0, head);
  log.warn(
    { place: placeId, previousJournalId: previous, journalId, head },
    `place ${placeId}'s journal changed from ${previous} to ${journalId} (restored or recreated): ` +
      `reading it from the start`,
  );
  return { offset: 0, key: journalId };
}

/**
 * Read the journal `journalId` again from 0 under a new key (`<journal id>@<ms>`), because `why`:
 * its offsets past some point name other punches than those stored (restored from a backup).
 */
export async function journalRestart(
  store: PunchStore,
  o: { placeId: string; journalId: string; head: number; log: Logger },
  why: string,
): Promise<JournalPosition> {
  const { placeId, journalId, head, log } = o;
  const key = `${journalId}@${Date.now()}`;
  await store.commitOffset(placeId, key, 0, head);
  log.warn({ place: placeId, journalId, head }, `${why}: reading it from the start`);
  return { offset: 0, key };
}
