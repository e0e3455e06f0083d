import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Status } from "nice-grpc";
import { createChannelClient } from "@biometricflow/grpc-kit";
import { PlaceServiceDefinition } from "@biometricflow/proto";
import { Journal } from "../src/journal/journal.js";
import { migrations } from "../src/journal/migrations.js";
import { startPlace } from "../src/start-place.js";
import { punches, quietLog, startTestPlace, take, tempDir, testConfig } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir()));
afterEach(() => tmp.remove());

test("a journal's id is given at creation, kept across reopening, and a new journal gets another", () => {
  const path = join(tmp.dir, "journal.db");
  const first = Journal.open(path, "site");
  const id = first.journalId;
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  first.close();
  const again = Journal.open(path, "site");
  expect(again.journalId).toBe(id);
  again.close();
  rmSync(path);
  const recreated = Journal.open(path, "site");
  expect(recreated.journalId).toMatch(/^[0-9a-f]{32}$/);
  expect(recreated.journalId).not.toBe(id);
  recreated.close();
});

test("a journal from before journal ids gets one when it is upgraded, and keeps its punches", () => {
  const path = join(tmp.dir, "old.db");
  const raw = new Database(path);
  const before = migrations.findIndex((m) => m.includes("journal_identity"));
  expect(before).toBeGreaterThan(0);
  for (let v = 0; v < before; v++) raw.exec(migrations[v]!);
  raw.pragma(`user_version = ${before}`);
  raw.exec(`INSERT INTO punches (dedup_key, place_id, device_id, device_serial, user_id, local_time,
    punched_at_ms, punch_state, verify_method, received_at_ms, source) VALUES
    ('k1', 'site', 'd1', 'S', 'u', '2024-05-06T08:00:00', 0, 0, 1, 0, 1)`);
  raw.close();
  const upgraded = Journal.open(path, "site");
  expect(upgraded.journalId).toMatch(/^[0-9a-f]{32}$/);
  expect(upgraded.punches.head()).toBe(1);
  const id = upgraded.journalId;
  upgraded.close();
  const reopened = Journal.open(path, "site");
  expect(reopened.journalId).toBe(id);
  reopened.close();
});

test("GetPlace names the journal; it is the same after a restart of the place, another for a new journal", async () => {
  const config = testConfig(tmp.dir);
  const journalIdOf = async (): Promise<{ journalId: string; headOffset: number }> => {
    const place = await startPlace(config, quietLog);
    const api = createChannelClient(PlaceServiceDefinition, place.address);
    try {
      const r = await api.client.getPlace({});
      return { journalId: r.journalId, headOffset: r.headOffset };
    } finally {
      api.close();
      await place.shutdown(2_000);
    }
  };
  const first = await journalIdOf();
  expect(first.journalId).toMatch(/^[0-9a-f]{32}$/);
  expect(await journalIdOf()).toEqual(first);
  rmSync(config.journal.path);
  const second = await journalIdOf();
  expect(second.journalId).toMatch(/^[0-9a-f]{32}$/);
  expect(second.journalId).not.toBe(first.journalId);
});

test("WatchPunches reads with this journal's id or none, and refuses another journal's id naming both", async () => {
  const t = await startTestPlace();
  try {
    await t.link.ingestPunches({ deviceId: "d1", deviceSerial: "SER-1", punches: punches(3) });
    const { journalId } = await t.api.getPlace({});
    const offsetsOf = async (req: { fromOffset: number; journalId?: string; columnar?: boolean }) =>
      (await take(t.api.watchPunches(req), 1)).flatMap((m) =>
        m.block
          ? Array.from({ length: m.block.count }, (_, i) => m.block!.firstOffset + i)
          : m.punches.map((p) => p.offset),
      );
    expect(await offsetsOf({ fromOffset: 1, journalId })).toEqual([2, 3]);
    expect(await offsetsOf({ fromOffset: 1, journalId, columnar: true })).toEqual([2, 3]);
    expect(await offsetsOf({ fromOffset: 1 })).toEqual([2, 3]);
    const other = "0".repeat(32);
    for (const columnar of [false, true]) {
      await expect(
        take(t.api.watchPunches({ fromOffset: 1, journalId: other, columnar }), 1),
      ).rejects.toMatchObject({
        code: Status.FAILED_PRECONDITION,
        details: expect.stringMatching(new RegExp(`${other}.*${journalId}`)),
      });
    }
    // Even from 0: an offset of 0 in another journal is still a position in that journal.
    await expect(take(t.api.watchPunches({ fromOffset: 0, journalId: other }), 1)).rejects.toMatchObject({
      code: Status.FAILED_PRECONDITION,
    });
  } finally {
    await t.close();
  }
});
