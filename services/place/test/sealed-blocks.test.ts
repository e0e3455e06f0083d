// Sealed blocks: every complete thousand of the journal's punches is stored once more as the packed
// PunchBlock a replay sends. A sealed block must be exactly the block its rows make, be written
// with the punch that completes it, and be what a packed replay sends, from any offset.
import { join } from "node:path";
import { PunchSource, type CapturedPunch, type Punch, type WatchPunchesResponse } from "@biometricflow/proto";
import { SEALED_BLOCK_SIZE } from "../src/journal/block-table.js";
import { Journal } from "../src/journal/journal.js";
import { punchBlock } from "../src/journal/punch-block.js";
import { blockPunches, punches, startTestPlace, tempDir, unpackBlock, type TestPlace } from "./helpers.js";

const HEAD = 2_500;

/** Punches with awkward users, states, traces and sources, one minute apart. */
function awkward(n: number, from: number): CapturedPunch[] {
  return punches(n, { start: "2024-05-06T08:00:00" }).map((p, k): CapturedPunch => {
    const i = from + k;
    return {
      ...p,
      localTime: new Date(Date.UTC(2024, 4, 6, 8) + i * 60_000).toISOString().slice(0, 19),
      userId: ["u1", "o'brien \\x", "ünï 漢字", `u${i}`][i % 4]!,
      punchState: i % 6,
      source: i % 2 ? PunchSource.PUNCH_SOURCE_DEVICE_LIVE : PunchSource.PUNCH_SOURCE_DEVICE_PULL,
      trace:
        i % 3
          ? {
              traceparent: `00-${"ab".repeat(15)}${String(i % 100).padStart(2, "0")}-00f067aa0ba902b7-01`,
              tracestate: i % 2 ? "k=v" : "",
            }
          : undefined,
    };
  });
}

describe("a running place", () => {
  let t: TestPlace;
  beforeEach(async () => (t = await startTestPlace()));
  afterEach(() => t.close());

  /** Store HEAD punches in calls that end inside blocks; the sealed end after each call. */
  async function storeAll(): Promise<number[]> {
    const ends: number[] = [];
    for (const [from, n] of [
      [0, 700],
      [700, 700],
      [1400, 1100],
    ] as const) {
      const device =
        from === 700 ? { deviceId: "d2", deviceSerial: "SER-2" } : { deviceId: "d1", deviceSerial: "SER-1" };
      await t.link.ingestPunches({ ...device, punches: awkward(n, from) });
      ends.push(t.place.journal.blocks.end());
    }
    return ends;
  }

  /** Every punch a stream sends up to HEAD, and each message's [firstOffset, count]. */
  async function replay(from: number, maxBatch: number, packed: boolean) {
    const got: Punch[] = [];
    const shape: [number, number][] = [];
    const stream = t.api.watchPunches({ fromOffset: from, maxBatch, columnar: true, packed });
    for await (const m of stream as AsyncIterable<WatchPunchesResponse>) {
      const b = m.block!;
      shape.push([b.firstOffset, b.count]);
      got.push(...blockPunches(packed ? unpackBlock(b).block : b));
      if (got.at(-1)!.offset >= HEAD) break;
    }
    return { got, shape };
  }

  async function classic(): Promise<Punch[]> {
    const got: Punch[] = [];
    for await (const m of t.api.watchPunches({ fromOffset: 0, maxBatch: 10_000 })) {
      got.push(...m.punches);
      if (got.at(-1)!.offset >= HEAD) break;
    }
    return got;
  }

  test("ingest seals each thousand with the punch that completes it; a sealed block is the block its rows make", async () => {
    expect(await storeAll()).toEqual([0, 1000, 2000]);
    const { journal } = t.place;
    for (const first of [1, 1001]) {
      expect(journal.blocks.at(first)).toEqual(
        punchBlock(journal.punches.blockAfter(first - 1, 1000)!, true),
      );
    }
    expect([journal.blocks.at(2), journal.blocks.at(2001)]).toEqual([undefined, undefined]);
  });

  test("a packed replay from any offset: sealed blocks from the next boundary on, the same punches as the classic stream", async () => {
    await storeAll();
    const all = await classic();
    expect(all.map((p) => p.offset)).toEqual(Array.from({ length: HEAD }, (_, i) => i + 1));
    for (const from of [0, 6, 999, 1000, 1001, 2000, 2499]) {
      const boundary = (Math.floor(from / SEALED_BLOCK_SIZE) + 1) * SEALED_BLOCK_SIZE;
      const want: [number, number][] = [];
      for (let first = from + 1; first <= HEAD;) {
        const last = Math.min(first === from + 1 ? boundary : first + SEALED_BLOCK_SIZE - 1, HEAD);
        want.push([first, last - first + 1]);
        first = last + 1;
      }
      for (const maxBatch of [1000, 5000]) {
        const { got, shape } = await replay(from, maxBatch, true);
        expect(shape).toEqual(want);
        expect(got).toEqual(all.slice(from));
      }
    }
    // Smaller batches than a sealed block: built from the rows, as asked.
    const { got, shape } = await replay(6, 400, true);
    expect(shape.slice(0, 3)).toEqual([
      [7, 400],
      [407, 400],
      [807, 400],
    ]);
    expect(got).toEqual(all.slice(6));
  });

  test("a packed replay sends the sealed blocks, not the rows", async () => {
    await storeAll();
    const before = (await replay(0, 1000, true)).got;
    // No journal does this; here it shows where a packed replay reads from.
    t.place.journal.db.prepare(`DELETE FROM punches WHERE "offset" <= 1000`).run();
    expect((await replay(0, 1000, true)).got).toEqual(before);
    expect((await replay(0, 1000, false)).got[0]!.offset).toBe(1001);
  });
});

test("a journal written before punch_blocks existed is sealed when it is opened", () => {
  const tmp = tempDir();
  const path = join(tmp.dir, "journal.db");
  try {
    let journal = Journal.open(path, "old site");
    journal.transaction(() => {
      for (let i = 0; i < 2_300; i++) {
        journal.punches.insertIfNew({
          dedupKey: `key-${i}`,
          deviceId: `d${i % 3}`,
          deviceSerial: `SER-${i % 3}`,
          userId: `u${i % 40}`,
          localTime: new Date(Date.UTC(2024, 0, 1) + i * 61_000).toISOString().slice(0, 19),
          punchedAtMs: Date.UTC(2024, 0, 1) + i * 61_000,
          punchState: i % 2,
          verifyMethod: 1,
          receivedAtMs: Date.UTC(2024, 0, 1) + i * 61_000 + 500,
          source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
          traceparent: "",
          tracestate: "",
        });
      }
    });
    expect(journal.blocks.end()).toBe(0); // stored without the ingest, which seals
    const built = [0, 1000].map((after) => punchBlock(journal.punches.blockAfter(after, 1000)!, true));
    // Back to schema version 3, as a journal of an older bf-place is (undoing migrations 4 and 5).
    journal.db.exec(
      "DROP TABLE punch_blocks; DROP TABLE audit_once; DROP INDEX audit_by_action; PRAGMA user_version = 3",
    );
    journal.close();
    journal = Journal.open(path, "old site");
    expect(journal.blocks.end()).toBe(2000);
    expect([journal.blocks.at(1), journal.blocks.at(1001)]).toEqual(built);
    journal.close();
  } finally {
    tmp.remove();
  }
});
