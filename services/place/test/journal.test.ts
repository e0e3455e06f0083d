import { join } from "node:path";
import Database from "better-sqlite3";
import { Journal } from "../src/journal/journal.js";
import { JournalError } from "../src/journal/journal-error.js";
import { migrations } from "../src/journal/migrations.js";
import { dedupKey } from "../src/punches/dedup-key.js";
import type { NewPunch } from "../src/punches/new-punch.js";
import { PunchSource } from "@biometricflow/proto";
import { tempDir } from "./helpers.js";

function punch(userId: string, localTime: string, deviceId = "d1"): NewPunch {
  return {
    dedupKey: dedupKey("SER-1", userId, localTime, 0),
    deviceId,
    deviceSerial: "SER-1",
    userId,
    localTime,
    punchedAtMs: Date.parse(`${localTime}Z`),
    punchState: 0,
    verifyMethod: 1,
    receivedAtMs: 1,
    source: PunchSource.PUNCH_SOURCE_DEVICE_PULL,
    traceparent: "",
    tracestate: "",
  };
}

let tmp: ReturnType<typeof tempDir>;
let path: string;
let journal: Journal;
beforeEach(() => {
  tmp = tempDir();
  path = join(tmp.dir, "sub", "journal.db");
  journal = Journal.open(path, "site");
});
afterEach(() => {
  journal.close();
  tmp.remove();
});

const store = (...ps: NewPunch[]): boolean[] =>
  journal.transaction(() => ps.map((p) => journal.punches.insertIfNew(p)));

test("a dedup key is stored once", () => {
  expect(store(punch("a", "2024-05-06T08:00:00"))).toEqual([true]);
  expect(store(punch("a", "2024-05-06T08:00:00"), punch("b", "2024-05-06T08:00:00"))).toEqual([false, true]);
  expect(journal.punches.after(0, 10).map((r) => r.userId)).toEqual(["a", "b"]);
});

test("offsets are 1, 2, 3... without gaps, even when duplicates are refused in between", () => {
  for (let i = 0; i < 50; i++) {
    store(
      punch(`u${i}`, "2024-05-06T08:00:00"),
      punch(`u${i}`, "2024-05-06T08:00:00"),
      punch("u0", "2024-05-06T08:00:00"),
    );
  }
  const offsets = journal.punches.after(0, 1000).map((r) => r.offset);
  expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  expect(journal.punches.head()).toBe(50);
});

test("after() pages by offset and list() filters by time, user and device", () => {
  store(
    punch("a", "2024-05-06T08:00:00"),
    punch("b", "2024-05-06T09:00:00", "d2"),
    punch("a", "2024-05-06T10:00:00"),
  );
  expect(journal.punches.after(1, 1).map((r) => r.offset)).toEqual([2]);
  const all = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, afterOffset: 0, limit: 10 };
  expect(journal.punches.list({ ...all, userId: "a" }).map((r) => r.offset)).toEqual([1, 3]);
  expect(journal.punches.list({ ...all, deviceId: "d2" }).map((r) => r.offset)).toEqual([2]);
  const nine = Date.parse("2024-05-06T09:00:00Z");
  expect(journal.punches.list({ ...all, fromMs: nine, toMs: nine + 1 }).map((r) => r.offset)).toEqual([2]);
  expect(journal.punches.list({ ...all, afterOffset: 2 }).map((r) => r.offset)).toEqual([3]);
});

test("the cursor commits with the punches, or not at all", () => {
  journal.transaction(() => {
    journal.punches.insertIfNew(punch("a", "2024-05-06T08:00:00"));
    journal.devices.saveCursor(
      "d1",
      { recordsIngested: 1, lastLocalTime: "2024-05-06T08:00:00", lastUserId: "a" },
      5,
    );
  });
  expect(() =>
    journal.transaction(() => {
      journal.punches.insertIfNew(punch("b", "2024-05-06T09:00:00"));
      journal.devices.saveCursor("d1", { recordsIngested: 2, lastLocalTime: "x", lastUserId: "b" }, 6);
      throw new Error("disk full, say");
    }),
  ).toThrow("disk full");
  expect(journal.punches.head()).toBe(1);
  expect(journal.devices.cursor("d1")).toEqual({
    recordsIngested: 1,
    lastLocalTime: "2024-05-06T08:00:00",
    lastUserId: "a",
  });
  expect(journal.devices.cursor("never-seen")).toEqual({
    recordsIngested: 0,
    lastLocalTime: "",
    lastUserId: "",
  });
});

test("everything survives closing and reopening", () => {
  store(punch("a", "2024-05-06T08:00:00"), punch("b", "2024-05-06T09:00:00"));
  journal.devices.saveCursor(
    "d1",
    { recordsIngested: 2, lastLocalTime: "2024-05-06T09:00:00", lastUserId: "b" },
    1,
  );
  journal.users.upsert(
    { userId: "7", name: "Ada", privilege: 1, card: 42, disabled: false, updatedAtMs: 3 },
    "1234",
  );
  journal.audit.record({
    atMs: 3,
    actor: "admin",
    action: "user.upsert",
    target: "7",
    detail: { name: "Ada" },
  });
  journal.close();

  journal = Journal.open(path, "site");
  expect(journal.punches.after(0, 10).map((r) => [r.offset, r.userId, r.placeId])).toEqual([
    [1, "a", "site"],
    [2, "b", "site"],
  ]);
  expect(journal.devices.cursor("d1").recordsIngested).toBe(2);
  expect(journal.users.list()).toEqual([
    { userId: "7", name: "Ada", privilege: 1, card: 42, disabled: false, updatedAtMs: 3 },
  ]);
  expect(journal.users.passwordOf("7")).toBe("1234");
  expect(journal.audit.recent(1)[0]).toMatchObject({
    actor: "admin",
    action: "user.upsert",
    detail: { name: "Ada" },
  });
  expect(store(punch("c", "2024-05-06T10:00:00"), punch("a", "2024-05-06T08:00:00"))).toEqual([true, false]);
  expect(journal.punches.head()).toBe(3);
});

test("users: the password is never listed, and an empty one keeps the stored one", () => {
  const ada = { userId: "7", name: "Ada", privilege: 1, card: 0, disabled: false, updatedAtMs: 1 };
  journal.users.upsert(ada, "1234");
  journal.users.upsert({ ...ada, name: "Ada L." }, "");
  expect(JSON.stringify(journal.users.list())).not.toContain("1234");
  expect(journal.users.passwordOf("7")).toBe("1234");
  expect(journal.users.delete("7")).toBe(true);
  expect(journal.users.delete("7")).toBe(false);
});

test("a second process (connection) cannot open the same journal", () => {
  expect(() => Journal.open(path, "site")).toThrow(/in use by another process/);
});

test("the schema version is recorded, and a newer journal is refused with a readable message", () => {
  expect(journal.db.pragma("user_version", { simple: true })).toBe(migrations.length);
  journal.close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${migrations.length + 1}`);
  raw.close();
  expect(() => Journal.open(path, "site")).toThrow(JournalError);
  expect(() => Journal.open(path, "site")).toThrow(/newer than this bf-place understands/);
});

test("the journal runs in WAL mode with synchronous=FULL", () => {
  expect(journal.db.pragma("journal_mode", { simple: true })).toBe("wal");
  expect(journal.db.pragma("synchronous", { simple: true })).toBe(2);
});
