/**
 * The values of several async iterators one after another, while up to `ahead` of them (the
 * current one included) already work on their next value: the next places' ClickHouse queries
 * run while this place's block is encoded and sent. Each iterator has at most one value waiting.
 */
export async function* readAhead<T>(sources: readonly AsyncIterator<T>[], ahead: number): AsyncGenerator<T> {
  const pending = new Map<number, Promise<IteratorResult<T>>>();
  const start = (i: number): void => {
    const source = sources[i];
    if (source && !pending.has(i)) {
      const next = source.next();
      next.catch(() => undefined); // awaited in turn below; not an unhandled rejection meanwhile
      pending.set(i, next);
    }
  };
  try {
    for (let i = 0; i < sources.length; i++) {
      for (let j = i; j < i + ahead; j++) start(j);
      for (;;) {
        const r = await pending.get(i)!;
        pending.delete(i);
        if (r.done) break;
        start(i);
        yield r.value;
      }
    }
  } finally {
    // Stopped early (client gone, error): let the others finish their query and close.
    for (const [i] of pending) void sources[i]?.return?.(undefined);
  }
}
