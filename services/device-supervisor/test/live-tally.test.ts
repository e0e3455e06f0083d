import { EMPTY_CURSOR } from "../src/sync/cursor.js";
import { LiveTally, liveVerdict } from "../src/sync/live-tally.js";

const at10 = { recordsIngested: 10, lastLocalTime: "2025-01-01T08:00:00", lastUserId: "7" };

/** A tally that received punches at 09:00:0i by user "u<i>", the first `stored` of them stored. */
function tally(received: number, stored = received): LiveTally {
  const t = new LiveTally();
  for (let i = 1; i <= received; i++) {
    const seq = t.receive(`2025-01-01T09:00:0${i}`, `u${i}`, i);
    if (i <= stored) t.settle(seq, true);
  }
  return t;
}

describe("liveVerdict: may a pull skip reading the log?", () => {
  test("nothing new: the cursor stands", () => {
    expect(liveVerdict(at10, tally(0).snapshot(), 10)).toEqual({ kind: "confirmed", cursor: at10, base: 0 });
  });

  test("the count grew by exactly the punches stored live: the cursor moves past the last of them", () => {
    expect(liveVerdict(at10, tally(3).snapshot(), 13)).toEqual({
      kind: "confirmed",
      cursor: { recordsIngested: 13, lastLocalTime: "2025-01-01T09:00:03", lastUserId: "u3" },
      base: 3,
    });
  });

  test("more records than punches heard live: read (live capture missed one)", () => {
    expect(liveVerdict(at10, tally(3).snapshot(), 14)).toEqual({ kind: "read" });
    expect(liveVerdict(at10, tally(0).snapshot(), 11)).toEqual({ kind: "read" });
  });

  test("fewer records than the cursor and the live punches: read (the log was cleared or replaced)", () => {
    expect(liveVerdict(at10, tally(3).snapshot(), 12)).toEqual({ kind: "read" });
    expect(liveVerdict(at10, tally(0).snapshot(), 2)).toEqual({ kind: "read" });
  });

  test("a live punch the place did not store: read, whatever the count says", () => {
    const t = tally(2);
    t.settle(t.receive("2025-01-01T09:00:03", "u3", 3), false);
    t.settle(t.receive("2025-01-01T09:00:04", "u4", 4), true);
    expect(liveVerdict(at10, t.snapshot(), 14)).toEqual({ kind: "read" });
  });

  test("the count matches but some punches still wait for the place: pending (no read, cursor kept)", () => {
    expect(liveVerdict(at10, tally(3, 2).snapshot(), 13)).toEqual({ kind: "pending" });
    // ...but a count beyond them is a missed record, pending or not.
    expect(liveVerdict(at10, tally(3, 2).snapshot(), 14)).toEqual({ kind: "read" });
  });
});

describe("LiveTally: where the cursor stands relative to live punches", () => {
  test("after a confirmation, only later punches count", () => {
    const t = tally(3);
    const v = liveVerdict(at10, t.snapshot(), 13);
    if (v.kind !== "confirmed") throw new Error(`expected confirmed, got ${v.kind}`);
    t.confirmed(v.base);
    t.settle(t.receive("2025-01-01T09:01:00", "u9", 9), true);
    expect(liveVerdict(v.cursor, t.snapshot(), 14)).toMatchObject({
      kind: "confirmed",
      cursor: { recordsIngested: 14, lastUserId: "u9" },
    });
  });

  test("a read accounts for the punches heard before it; a failure of one of those no longer matters", () => {
    const t = tally(2, 1); // punch 2 still on its way
    const mark = t.readStarted();
    t.readDone(mark);
    t.settle(2, false); // its record was in the read, which the pull delivered
    const afterRead = { recordsIngested: 12, lastLocalTime: "2025-01-01T09:00:02", lastUserId: "u2" };
    expect(liveVerdict(afterRead, t.snapshot(), 12)).toEqual({
      kind: "confirmed",
      cursor: afterRead,
      base: 2,
    });
  });

  test("a punch heard during a read may or may not be in it: the next pull reads again", () => {
    const t = tally(2);
    const mark = t.readStarted();
    t.settle(t.receive("2025-01-01T09:00:03", "u3", 3), true);
    t.readDone(mark);
    const afterRead = { recordsIngested: 13, lastLocalTime: "2025-01-01T09:00:03", lastUserId: "u3" };
    expect(liveVerdict(afterRead, t.snapshot(), 13)).toEqual({ kind: "read" });
    // The next read starts clean.
    t.readDone(t.readStarted());
    expect(liveVerdict(afterRead, t.snapshot(), 13)).toMatchObject({ kind: "confirmed" });
  });

  test("after a clear, the log starts again at zero and earlier punches are forgotten", () => {
    const t = tally(5, 4);
    t.cleared();
    t.settle(5, false);
    t.settle(t.receive("2025-01-02T08:00:00", "u1", 9), true);
    expect(liveVerdict(EMPTY_CURSOR, t.snapshot(), 1)).toMatchObject({
      kind: "confirmed",
      cursor: { recordsIngested: 1, lastLocalTime: "2025-01-02T08:00:00" },
    });
  });

  test("remembers when the last realtime punch arrived", () => {
    expect(tally(3).lastPunchAt).toBe(3);
  });
});
