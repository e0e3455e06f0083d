import { waitFor } from "../wait-for.js";

/**
 * The journal's head offset, and a wake-up for whoever waits on it. Ingest publishes after each
 * commit; WatchPunches waits here when it has read everything, then reads the journal again.
 * Event-driven (no polling), and since readers always read by offset from the journal itself, a
 * wake-up can never lose or duplicate a punch: it only says "look again".
 */
export class PunchFeed {
  private readonly waiters = new Set<() => void>();

  constructor(private current: number) {}

  get head(): number {
    return this.current;
  }

  publish(head: number): void {
    if (head <= this.current) return;
    this.current = head;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves once the head is past `offset` (at once if it already is). */
  async waitBeyond(offset: number, signal: AbortSignal): Promise<void> {
    if (this.current > offset) return;
    await waitFor((wake) => {
      this.waiters.add(wake);
      return () => this.waiters.delete(wake);
    }, signal);
  }

  /** Subscribers waiting right now (for tests and metrics). */
  get waiting(): number {
    return this.waiters.size;
  }
}
