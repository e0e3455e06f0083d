// Where a follower starts in a place's journal, against the real ClickHouse: offsets are kept per
// journal id, an offset stored before journal ids belongs to the first journal seen, and a journal
// never seen (restored or recreated) is read from 0 with one warning.
import { migrate, openTestClickHouse, type OpenClickHouse } from "@biometricflow/clickhouse";
import type { Logger } from "@biometricflow/telemetry";
import { journalStart } from "../src/ingest/journal-start.js";
import { PunchStore } from "../src/store/punch-store.js";

jest.setTimeout(60_000);

let ch: OpenClickHouse;
let store: PunchStore;
beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
  store = new PunchStore(ch.db);
}, 60_000);
afterAll(async () => ch?.close());

function capturingLog() {
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (_: unknown, msg: string) => warnings.push(msg) };
  return { log: log as unknown as Logger, warnings };
}

test("the offset stored before journal ids is the first journal's; a new journal starts at 0 with a warning", async () => {
  const placeId = "legacy-site";
  await ch.db.insert("ingest_offsets", [{ place_id: placeId, committed_offset: 40, head_offset: 40 }]);
  const { log, warnings } = capturingLog();
  const start = async (journalId: string, head: number) =>
    (await journalStart(store, { placeId, journalId, head, log })).offset;

  expect(await start("aaaa", 45)).toBe(40);
  expect(await start("aaaa", 45)).toBe(40); // the same journal again (a reconnect)
  expect(warnings).toEqual([]);
  await store.commitOffset(placeId, "aaaa", 45, 45);

  expect(await start("bbbb", 3)).toBe(0); // replaced: the legacy offset is not taken a second time
  expect(warnings).toEqual([
    `place ${placeId}'s journal changed from aaaa to bbbb (restored or recreated): reading it from the start`,
  ]);
  await store.commitOffset(placeId, "bbbb", 3, 3);
  expect(await start("bbbb", 3)).toBe(3);
  expect(await start("aaaa", 45)).toBe(45); // the old disk back: where it was left
  expect(warnings).toHaveLength(1);
});

test("a place that predates journal ids keeps one offset, which its first journal id takes over", async () => {
  const placeId = "upgraded-site";
  const { log, warnings } = capturingLog();
  const start = async (journalId: string) =>
    (await journalStart(store, { placeId, journalId, head: 100, log })).offset;
  expect(await start("")).toBe(0);
  await store.commitOffset(placeId, "", 25, 25);
  expect(await start("")).toBe(25);
  expect(await start("cccc")).toBe(25); // the place upgraded: its journal got an id
  expect(await start("dddd")).toBe(0);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("changed from cccc to dddd");
});

test("a journal behind its own committed offset (restored from a backup: same id) is read from 0 under a new key", async () => {
  const placeId = "restored-site";
  const { log, warnings } = capturingLog();
  const start = (head: number) => journalStart(store, { placeId, journalId: "eeee", head, log });
  expect(await start(0)).toEqual({ offset: 0, key: "eeee" });
  await store.commitOffset(placeId, "eeee", 80, 80);
  expect(await start(80)).toEqual({ offset: 80, key: "eeee" });
  expect(warnings).toEqual([]);

  const restored = await start(30);
  expect(restored.offset).toBe(0);
  expect(restored.key).toMatch(/^eeee@\d+$/);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain("journal eeee is at offset 30, behind the offset 80 already stored");
  // Its new punches are committed under the new key; the old offset 80 no longer applies.
  await store.commitOffset(placeId, restored.key, 35, 35);
  expect(await start(35)).toEqual({ offset: 35, key: restored.key });
  await store.commitOffset(placeId, restored.key, 90, 90);
  expect(await start(90)).toEqual({ offset: 90, key: restored.key });
  expect(warnings).toHaveLength(1);
});
