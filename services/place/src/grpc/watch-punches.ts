import { FailedPreconditionError, type KitCallContext } from "@biometricflow/grpc-kit";
import type { PlaceServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import { SEALED_BLOCK_SIZE } from "../journal/block-table.js";
import { punchBlock } from "../journal/punch-block.js";
import { pageSize } from "./requests.js";
import { punchToProto } from "./to-proto.js";

/**
 * Replay then live tail, as one loop over the journal: read what follows the last offset sent;
 * when there is nothing, sleep until ingest publishes a newer head. Replay and tail are the same
 * read, so there is no seam where a punch could be skipped or sent twice. Each yield waits for
 * the client (nice-grpc awaits 'drain'), so a slow subscriber falls behind in the journal, not in
 * this process's memory. With `columnar` each batch goes as one PunchBlock built from columns
 * SQLite aggregates, with no object per punch, or, packed, as the journal sealed it; otherwise as
 * Punch messages.
 */
export function watchPunches(d: PlaceDeps): PlaceServiceImplementation<KitCallContext>["watchPunches"] {
  return async function* (req, ctx) {
    const max = pageSize(req.maxBatch, "max_batch", 1000, 10_000);
    let last = req.fromOffset;
    if (req.journalId !== "" && req.journalId !== d.journal.journalId) {
      throw new FailedPreconditionError(
        `journal_id ${req.journalId} is not this place's journal, which is ${d.journal.journalId}: ` +
          `the journal was replaced (restored or recreated); its offsets start again, read it from 0`,
      );
    }
    if (last > d.feed.head) {
      throw new FailedPreconditionError(
        `from_offset ${last} is past this journal's head ${d.feed.head}: was the journal replaced?`,
      );
    }
    // Packed blocks as the journal sealed them, when the client takes blocks that large.
    const fromSealed = req.columnar && req.packed && max >= SEALED_BLOCK_SIZE;
    ctx.abortOnTerminate();
    while (true) {
      if (req.columnar) {
        const sealed = fromSealed ? d.journal.blocks.at(last + 1) : undefined;
        if (sealed) {
          last += sealed.count;
          yield { punches: [], headOffset: d.feed.head, block: sealed };
          continue;
        }
        // Up to the next block boundary only, so the read after this one can be a sealed block.
        const limit = fromSealed ? Math.min(max, SEALED_BLOCK_SIZE - (last % SEALED_BLOCK_SIZE)) : max;
        const columns = d.journal.punches.blockAfter(last, limit);
        if (columns) {
          const block = punchBlock(columns, req.packed);
          last = block.firstOffset + block.count - 1;
          yield { punches: [], headOffset: d.feed.head, block };
          continue;
        }
      } else {
        const rows = d.journal.punches.after(last, max);
        if (rows.length > 0) {
          last = rows[rows.length - 1]!.offset;
          yield { punches: rows.map(punchToProto), headOffset: d.feed.head };
          continue;
        }
      }
      await d.feed.waitBeyond(last, ctx.signal);
    }
  };
}
