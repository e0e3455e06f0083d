import { join } from "node:path";
import { Journal } from "../src/journal/journal.js";
import { GroupCommit } from "../src/punches/group-commit.js";
import { validateGroup, type IngestDeps } from "../src/punches/ingest.js";
import { PunchFeed } from "../src/punches/punch-feed.js";
import { cachedZone } from "../src/time/zone-offsets.js";
import { punches, quietLog, tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let journal: Journal;
let deps: IngestDeps;
let published: number[];
beforeEach(() => {
  tmp = tempDir();
  journal = Journal.open(join(tmp.dir, "j.db"), "site");
  published = [];
  const feed = new PunchFeed(0);
  const publish = feed.publish.bind(feed);
  feed.publish = (head: number) => {
    published.push(head);
    publish(head);
  };
  deps = {
    journal,
    feed,
    zone: cachedZone("Europe/Berlin"),
    deviceIds: new Set(["d1", "d2"]),
    log: quietLog,
  };
});
afterEach(() => {
  journal.close();
  tmp.remove();
});

const group = (deviceId: string, n: number, start: string) =>
  validateGroup(deps, deviceId, `SER-${deviceId}`, punches(n, { start }), undefined, Date.now());

test("groups stored in the same turn share one commit and one wake-up of the subscribers", async () => {
  const commit = new GroupCommit(deps);
  const answers = Promise.all([
    commit.store(group("d1", 3, "2024-05-06T08:00:00")),
    commit.store(group("d2", 2, "2024-05-06T08:00:00")),
    commit.store(group("d1", 3, "2024-05-06T08:00:00")), // the first group again: duplicates
  ]);
  expect(journal.punches.head()).toBe(0); // nothing is answered or stored before the commit
  expect(await answers).toEqual([
    { stored: 3, duplicates: 0, rejected: 0, headOffset: 5 },
    { stored: 2, duplicates: 0, rejected: 0, headOffset: 5 },
    { stored: 0, duplicates: 3, rejected: 0, headOffset: 5 },
  ]);
  expect(published).toEqual([5]);
  // A later turn is a commit of its own.
  await commit.store(group("d2", 1, "2024-05-06T09:00:00"));
  expect(published).toEqual([5, 6]);
});

test("a failed commit fails every call in it, and nothing of them is stored", async () => {
  const commit = new GroupCommit(deps);
  const answers = Promise.allSettled([
    commit.store(group("d1", 2, "2024-05-06T08:00:00")),
    commit.store(group("d2", 2, "2024-05-06T08:00:00")),
  ]);
  journal.close(); // the disk goes away before the commit
  const outcomes = await answers;
  expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
  expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/could not store the punches/);
  expect(published).toEqual([]);
});
