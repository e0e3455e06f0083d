import { Batcher, BatcherFullError } from "../src/link/batcher.js";

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** A receiver whose calls the test answers by hand. */
function receiver() {
  const calls: { items: number[]; answer(results?: (string | Error)[]): void; fail(err: Error): void }[] = [];
  const send = (items: number[]) =>
    new Promise<(string | Error)[]>((resolve, reject) => {
      calls.push({
        items,
        answer: (results) => resolve(results ?? items.map((i) => `ok ${i}`)),
        fail: reject,
      });
    });
  return { calls, send };
}

const options = { lingerMs: 5, maxBatch: 3, maxPending: 5, maxInFlight: 1 };

test("items within the linger go out as one call, each answered with its own result", async () => {
  const r = receiver();
  const b = new Batcher(r.send, options);
  const a = b.add(1);
  const c = b.add(2);
  await jest.advanceTimersByTimeAsync(4);
  expect(r.calls).toHaveLength(0);
  await jest.advanceTimersByTimeAsync(1);
  expect(r.calls.map((c) => c.items)).toEqual([[1, 2]]);
  r.calls[0]!.answer();
  await expect(a).resolves.toBe("ok 1");
  await expect(c).resolves.toBe("ok 2");
});

test("a full batch goes at once, without waiting for the linger", async () => {
  const r = receiver();
  const b = new Batcher(r.send, options);
  const all = [1, 2, 3].map((i) => b.add(i));
  await jest.advanceTimersByTimeAsync(0);
  expect(r.calls.map((c) => c.items)).toEqual([[1, 2, 3]]);
  r.calls[0]!.answer();
  await expect(Promise.all(all)).resolves.toEqual(["ok 1", "ok 2", "ok 3"]);
});

test("an item the receiver refused fails alone; a failed call fails all of its items", async () => {
  const r = receiver();
  const b = new Batcher(r.send, options);
  const first = Promise.allSettled([1, 2].map((i) => b.add(i)));
  await jest.advanceTimersByTimeAsync(5);
  r.calls[0]!.answer(["ok 1", new Error("device 2 unknown")]);
  expect(await first).toEqual([
    { status: "fulfilled", value: "ok 1" },
    { status: "rejected", reason: new Error("device 2 unknown") },
  ]);
  const second = Promise.allSettled([3, 4].map((i) => b.add(i)));
  await jest.advanceTimersByTimeAsync(5);
  r.calls[1]!.fail(new Error("UNAVAILABLE"));
  expect((await second).map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual([
    "UNAVAILABLE",
    "UNAVAILABLE",
  ]);
});

test("while a call is in flight items wait, in order, and go out when it ends", async () => {
  const r = receiver();
  const b = new Batcher(r.send, options);
  const first = b.add(1);
  await jest.advanceTimersByTimeAsync(5);
  const later = [2, 3, 4, 5].map((i) => b.add(i));
  await jest.advanceTimersByTimeAsync(50);
  expect(r.calls).toHaveLength(1); // one call at a time
  expect(b.waiting).toBe(4);
  r.calls[0]!.answer();
  await first;
  await jest.advanceTimersByTimeAsync(0);
  expect(r.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4]]);
  r.calls[1]!.answer();
  await jest.advanceTimersByTimeAsync(0);
  expect(r.calls.map((c) => c.items)).toEqual([[1], [2, 3, 4], [5]]);
  r.calls[2]!.answer();
  await expect(Promise.all(later)).resolves.toEqual(["ok 2", "ok 3", "ok 4", "ok 5"]);
});

test("bounded: beyond maxPending waiting items, add fails at once", async () => {
  const r = receiver();
  const b = new Batcher(r.send, options);
  const first = b.add(0).catch((err: Error) => err.message);
  await jest.advanceTimersByTimeAsync(5); // in flight, never answered: the receiver is away
  const waiting = Promise.allSettled([1, 2, 3, 4, 5].map((i) => b.add(i)));
  await expect(b.add(6)).rejects.toBeInstanceOf(BatcherFullError);
  expect(b.waiting).toBe(5);
  r.calls[0]!.fail(new Error("DEADLINE_EXCEEDED"));
  await jest.advanceTimersByTimeAsync(0);
  r.calls[1]!.fail(new Error("DEADLINE_EXCEEDED"));
  await jest.advanceTimersByTimeAsync(5); // the rest of a batch still lingers
  r.calls[2]!.fail(new Error("DEADLINE_EXCEEDED"));
  expect(await first).toBe("DEADLINE_EXCEEDED");
  const outcomes = await waiting;
  expect(outcomes.map((o) => o.status === "rejected" && (o.reason as Error).message)).toEqual(
    Array(5).fill("DEADLINE_EXCEEDED"),
  );
  expect(b.waiting).toBe(0);
});

test("items answered with nothing (void results) resolve; items the receiver left out fail", async () => {
  const b = new Batcher<number, void>(async (items) => items.slice(1).map(() => undefined), options);
  const outcomes = Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
  await jest.advanceTimersByTimeAsync(0);
  expect((await outcomes).map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
});
