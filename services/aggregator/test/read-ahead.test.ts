// readAhead: values in source order, while at most `ahead` sources work at once.
import { readAhead } from "../src/analytics/read-ahead.js";

/** A source of `values` whose every next() waits until the test releases it. */
function gated(name: string, values: number[], log: string[]) {
  const gates: (() => void)[] = [];
  async function* run(): AsyncGenerator<number> {
    for (const v of values) {
      log.push(`${name} asks`);
      await new Promise<void>((resolve) => gates.push(resolve));
      yield v;
    }
  }
  return { it: run()[Symbol.asyncIterator](), release: () => gates.shift()?.() };
}

test("values come in source order; later sources start early, no more than `ahead` at once", async () => {
  const log: string[] = [];
  const a = gated("a", [1, 2], log);
  const b = gated("b", [3], log);
  const c = gated("c", [4], log);
  const out: number[] = [];
  const done = (async () => {
    for await (const v of readAhead([a.it, b.it, c.it], 2)) out.push(v);
  })();
  await new Promise(setImmediate);
  expect(log).toEqual(["a asks", "b asks"]); // c waits for a slot
  b.release(); // b is ready first, but a comes first
  await new Promise(setImmediate);
  expect(out).toEqual([]);
  a.release();
  await new Promise(setImmediate);
  expect(out).toEqual([1]);
  a.release();
  await new Promise(setImmediate);
  expect(out).toEqual([1, 2, 3]); // b's value was ready: it follows a's at once
  expect(log).toContain("c asks"); // a finished: c started
  c.release();
  await done;
  expect(out).toEqual([1, 2, 3, 4]);
});

test("a failing source fails the whole read when its turn comes", async () => {
  async function* ok(): AsyncGenerator<number> {
    yield 1;
  }
  const bad: AsyncIterator<number> = { next: () => Promise.reject(new Error("ClickHouse is down")) };
  const out: number[] = [];
  await expect(
    (async () => {
      for await (const v of readAhead([ok(), bad], 2)) out.push(v);
    })(),
  ).rejects.toThrow("ClickHouse is down");
  expect(out).toEqual([1]);
});
