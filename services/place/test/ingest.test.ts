import { join } from "node:path";
import { Journal } from "../src/journal/journal.js";
import { createIngest, type Ingest } from "../src/punches/ingest.js";
import { PunchFeed } from "../src/punches/punch-feed.js";
import { cachedZone } from "../src/time/zone-offsets.js";
import { punches, quietLog, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let journal: Journal;
let feed: PunchFeed;
let ingest: Ingest;
beforeEach(() => {
  tmp = tempDir();
  journal = Journal.open(join(tmp.dir, "j.db"), "site");
  feed = new PunchFeed(0);
  ingest = createIngest({
    journal,
    feed,
    zone: cachedZone("Europe/Berlin"),
    deviceIds: new Set(["d1"]),
    log: quietLog,
  });
});
afterEach(() => {
  journal.close();
  tmp.remove();
});

const cursor = (n: number) => ({ recordsIngested: n, lastLocalTime: "", lastUserId: "" });

test("stores new punches, counts duplicates (within and across calls), advances cursor and head", () => {
  const batch = punches(3);
  expect(ingest("d1", "SER-1", [...batch, batch[0]!], cursor(3))).toEqual({
    stored: 3,
    duplicates: 1,
    rejected: 0,
    headOffset: 3,
  });
  expect(ingest("d1", "SER-1", punches(4), cursor(4))).toEqual({
    stored: 1,
    duplicates: 3,
    rejected: 0,
    headOffset: 4,
  });
  expect(feed.head).toBe(4);
  expect(journal.devices.cursor("d1").recordsIngested).toBe(4);
});

test("the UTC instant comes from the place's zone; the wall-clock time is kept as the device said", () => {
  ingest("d1", "SER-1", punches(1, { start: "2024-07-01 08:00:00" }));
  const [row] = journal.punches.after(0, 1);
  expect(row).toMatchObject({ localTime: "2024-07-01T08:00:00", deviceSerial: "SER-1", placeId: "site" });
  expect(new Date(row!.punchedAtMs).toISOString()).toBe("2024-07-01T06:00:00.000Z");
});

test("one bad punch is set aside, audited with its reason; the rest and the cursor are stored", () => {
  ingest("d1", "SER-1", punches(1), cursor(1));
  const batch = punches(5, { start: "2024-06-01T08:00:00" });
  batch[3] = { ...batch[3]!, localTime: "2024-06-31T08:00:00" };
  expect(ingest("d1", "SER-1", batch, cursor(6))).toEqual({
    stored: 4,
    duplicates: 0,
    rejected: 1,
    headOffset: 5,
  });
  expect(feed.head).toBe(5);
  expect(journal.devices.cursor("d1").recordsIngested).toBe(6);
  const [entry] = journal.audit.recent(1);
  expect(entry).toMatchObject({ action: "punch.rejected", actor: "ingest", target: "d1" });
  expect(entry!.detail.reason).toMatch(/^punches\[3\]\.local_time: must be a real/);
  expect(entry!.detail.punch).toMatchObject({ localTime: "2024-06-31T08:00:00" });
});

test("a rejected punch sent again (its batch resent) is counted again but audited once", () => {
  const batch = punches(3, { start: "2024-06-01T08:00:00" });
  batch[1] = { ...batch[1]!, localTime: "2024-06-31T08:00:00" };
  const other = { ...batch[1]!, localTime: "2024-06-31T09:00:00" };
  expect(ingest("d1", "SER-1", batch, cursor(3))).toMatchObject({ stored: 2, rejected: 1 });
  // Resent, received later, in another place in the batch, with another bad punch beside it.
  const resent = [{ ...batch[1]!, receivedAt: new Date("2024-06-02T00:00:00Z") }, batch[0]!, other];
  expect(ingest("d1", "SER-1", resent, cursor(3))).toMatchObject({ stored: 0, duplicates: 1, rejected: 2 });
  const rejected = journal.audit.recent(10).filter((e) => e.action === "punch.rejected");
  expect(rejected.map((e) => (e.detail.punch as { localTime: string }).localTime)).toEqual([
    "2024-06-31T09:00:00",
    "2024-06-31T08:00:00",
  ]);
  // The same record from another device serial is another rejection.
  ingest("d1", "SER-OTHER", [batch[1]!]);
  expect(journal.audit.recent(10).filter((e) => e.action === "punch.rejected")).toHaveLength(3);
});

test("unknown device -> NotFoundError; missing serial -> InvalidArgumentError", () => {
  expect(() => ingest("d9", "SER-9", punches(1))).toThrow(expect.objectContaining({ name: "NotFoundError" }));
  expect(() => ingest("d1", "", punches(1))).toThrow(
    expect.objectContaining({ name: "InvalidArgumentError" }),
  );
});

test("a cursor-only call (no punches) stores the cursor", () => {
  expect(ingest("d1", "SER-1", [], cursor(0))).toEqual({
    stored: 0,
    duplicates: 0,
    rejected: 0,
    headOffset: 0,
  });
  expect(journal.devices.cursor("d1")).toEqual(cursor(0));
});

test("the same punch from another device serial is a different punch", () => {
  ingest("d1", "SER-1", punches(1));
  expect(ingest("d1", "SER-OTHER", punches(1)).stored).toBe(1);
});

test("a record the device's log could not decode is set aside with its bytes; the cursor moves past it", () => {
  const batch = punches(3, { start: "2024-06-01T08:00:00" });
  const raw = Buffer.from("0d00" + "31303031" + "00".repeat(34), "hex");
  batch.splice(1, 0, {
    ...batch[0]!,
    userId: "",
    localTime: "",
    rawRecord: raw,
    unreadableReason: "log record 1: time value 0x2f3e5c00 decodes to an impossible date",
  });
  expect(ingest("d1", "SER-1", batch, cursor(4))).toEqual({
    stored: 3,
    duplicates: 0,
    rejected: 1,
    headOffset: 3,
  });
  expect(journal.devices.cursor("d1").recordsIngested).toBe(4);
  const [entry] = journal.audit.recent(1);
  expect(entry).toMatchObject({ action: "punch.rejected", actor: "ingest", target: "d1" });
  expect(entry!.detail).toMatchObject({
    reason:
      "punches[1].raw_record: the device's record could not be read: log record 1: " +
      "time value 0x2f3e5c00 decodes to an impossible date",
    deviceSerial: "SER-1",
    rawRecord: raw.toString("hex"),
    punch: { rawRecord: raw.toString("hex"), userId: "", localTime: "" },
  });
});
