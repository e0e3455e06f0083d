import type { Punch, StreamPunchesResponse } from "@biometricflow/proto";
import { abortError } from "./backoff.js";

interface Subscriber {
  places: ReadonlySet<string> | undefined;
  queue: Punch[];
  dropped: number;
  wake?: () => void;
}

const MESSAGE_MAX = 1000;

/**
 * Fans stored punches out to StreamPunches subscribers. Each subscriber has a bounded queue: one
 * that reads too slowly loses the oldest punches and is told how many (they are stored anyway),
 * so a stuck dashboard can neither grow our memory nor hold ingest back.
 */
export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.subscribers.size;
  }

  publish(punches: readonly Punch[]): void {
    for (const s of this.subscribers) {
      const mine = s.places ? punches.filter((p) => s.places!.has(p.placeId)) : punches;
      if (mine.length === 0) continue;
      s.queue.push(...mine);
      const over = s.queue.length - this.capacity;
      if (over > 0) {
        s.queue.splice(0, over);
        s.dropped += over;
      }
      s.wake?.();
    }
  }

  /** Messages until `signal` aborts; `places` empty or undefined for every place. */
  async *subscribe(
    places: readonly string[] | undefined,
    signal: AbortSignal,
  ): AsyncGenerator<StreamPunchesResponse> {
    const s: Subscriber = { places: places?.length ? new Set(places) : undefined, queue: [], dropped: 0 };
    this.subscribers.add(s);
    try {
      while (true) {
        if (s.queue.length === 0 && s.dropped === 0) {
          await new Promise<void>((resolve, reject) => {
            if (signal.aborted) return reject(abortError());
            const onAbort = (): void => reject(abortError());
            signal.addEventListener("abort", onAbort, { once: true });
            s.wake = () => {
              s.wake = undefined;
              signal.removeEventListener("abort", onAbort);
              resolve();
            };
          });
          continue;
        }
        const message = { punches: s.queue.splice(0, MESSAGE_MAX), dropped: s.dropped };
        s.dropped = 0;
        yield message;
      }
    } finally {
      this.subscribers.delete(s);
    }
  }
}
