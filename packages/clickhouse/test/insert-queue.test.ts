// The insert queue: one insert at a time, each carrying every item added while the one before it
// ran or in the same turn (in the order they came, up to maxRows), a failure reaching exactly the
// items it carried, and one item per insert after a failure until one succeeds. The insert here is
// a function the test settles by hand: what is checked is the order and grouping of calls, which
// a real ClickHouse cannot show (clickhouse-db.test checks the parts it makes).
import { InsertQueue } from "../src/insert-queue.js";

/** An insert that records what it was given and waits until the test settles it. */
function manualInsert() {
  const calls: { items: string; settle(err?: Error): void }[] = [];
  const insert = (items: string[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ items: items.join(""), settle: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, insert };
}

/** Let the queue run what is due (its inserts start after the turn they were added in). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

test("items added in one turn go out as one insert, in order", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 10);
  const all = [q.add("a", 1), q.add("b", 1), q.add("c", 1)];
  await turn();
  expect(calls.map((c) => c.items)).toEqual(["abc"]);
  calls[0]!.settle();
  await Promise.all(all);
});

test("items that wait while an insert runs go out together as the next insert", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 10);
  const first = q.add("a", 1);
  await turn();
  const later = [q.add("b", 2), q.add("c", 3), q.add("d", 4)];
  await turn();
  expect(calls.map((c) => c.items)).toEqual(["a"]); // one at a time
  calls[0]!.settle();
  await first;
  await turn();
  expect(calls.map((c) => c.items)).toEqual(["a", "bcd"]);
  calls[1]!.settle();
  await Promise.all(later);
});

test("a group stops at maxRows (an item larger than that still goes, alone)", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 5);
  const all = [q.add("a", 1), q.add("b", 3), q.add("c", 2), q.add("d", 9), q.add("e", 1)];
  for (let i = 0; i < 4; i++) {
    await turn();
    calls[i]!.settle();
  }
  await Promise.all(all);
  expect(calls.map((c) => c.items)).toEqual(["ab", "c", "d", "e"]);
});

test("a failed insert fails each item it carried, and only those; then items go alone until one is stored", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 10);
  const a = q.add("a", 1);
  await turn();
  const b = q.add("b", 1);
  const c = q.add("c", 1);
  calls[0]!.settle();
  await a;
  await turn();
  expect(calls.map((x) => x.items)).toEqual(["a", "bc"]);
  calls[1]!.settle(new Error("ClickHouse is down"));
  await expect(b).rejects.toThrow("ClickHouse is down");
  await expect(c).rejects.toThrow("ClickHouse is down");

  // Each caller retries its own: one per insert, so a row the server rejects fails only itself.
  const retried = [q.add("b", 1), q.add("c", 1)];
  await turn();
  expect(calls.map((x) => x.items)).toEqual(["a", "bc", "b"]);
  calls[2]!.settle(new Error("bad row in b"));
  await expect(retried[0]).rejects.toThrow("bad row in b");
  await turn();
  expect(calls.map((x) => x.items)).toEqual(["a", "bc", "b", "c"]);
  calls[3]!.settle();
  await retried[1];

  // Stored again: grouping is back.
  const d = [q.add("d", 1), q.add("e", 1)];
  await turn();
  expect(calls.map((x) => x.items).at(-1)).toBe("de");
  calls[4]!.settle();
  await Promise.all(d);
});
