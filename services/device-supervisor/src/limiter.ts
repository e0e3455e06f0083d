/**
 * At most `slots` tasks at once, the rest wait in order. Bulk reads hold whole device logs in
 * memory, so a fleet that reconnects together must not read them all at the same time.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {
    if (!(slots >= 1)) throw new RangeError(`a limiter needs at least one slot, got ${slots}`);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
