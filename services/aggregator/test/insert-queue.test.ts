// The followers' shared insert queue: one insert at a time, each carrying every batch that waited
// for it (in the order they came, up to maxRows), and a failure reaching exactly the batches it
// carried. The insert here is a function the test settles by hand: what is checked is the order
// and grouping of calls, which a real ClickHouse (covered by the ingest and e2e tests) cannot show.
import { InsertQueue } from "../src/ingest/insert-queue.js";

/** An insert that records what it was given and waits until the test settles it. */
function manualInsert() {
  const calls: { rows: string; settle(err?: Error): void }[] = [];
  const insert = (rows: Buffer) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ rows: rows.toString(), settle: (err) => (err ? reject(err) : resolve()) });
    });
  return { calls, insert };
}

const batch = (text: string) => Buffer.from(text);
const flush = () => new Promise((resolve) => setImmediate(resolve));

test("batches that wait while an insert runs go out together as the next insert, in order", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 10);
  expect(q.idle).toBe(true);
  const first = q.add(batch("a"), 1);
  expect(q.idle).toBe(false);
  const later = [q.add(batch("b"), 2), q.add(batch("c"), 3), q.add(batch("d"), 4)];
  expect(calls.map((c) => c.rows)).toEqual(["a"]); // one at a time
  calls[0]!.settle();
  await first;
  await flush();
  expect(calls.map((c) => c.rows)).toEqual(["a", "bcd"]);
  calls[1]!.settle();
  await Promise.all(later);
  await flush();
  expect(q.idle).toBe(true);
});

test("a group stops at maxRows (a batch larger than that still goes, alone)", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 5);
  const all = [
    q.add(batch("a"), 1),
    q.add(batch("b"), 3),
    q.add(batch("c"), 2),
    q.add(batch("d"), 9),
    q.add(batch("e"), 1),
  ];
  for (let i = 0; i < 4; i++) {
    await flush();
    calls[i]!.settle();
  }
  await Promise.all(all);
  expect(calls.map((c) => c.rows)).toEqual(["a", "bc", "d", "e"]);
});

test("a failed insert fails each batch it carried, and only those; the queue goes on", async () => {
  const { calls, insert } = manualInsert();
  const q = new InsertQueue(insert, 10);
  const a = q.add(batch("a"), 1);
  const b = q.add(batch("b"), 1);
  const c = q.add(batch("c"), 1);
  calls[0]!.settle();
  await a;
  await flush();
  calls[1]!.settle(new Error("ClickHouse is down"));
  await expect(b).rejects.toThrow("ClickHouse is down");
  await expect(c).rejects.toThrow("ClickHouse is down");
  const again = q.add(batch("bc"), 2); // each follower retries its own batch
  await flush();
  expect(calls.map((x) => x.rows)).toEqual(["a", "bc", "bc"]);
  calls[2]!.settle();
  await again;
});
