import type { DeviceStatus } from "@biometricflow/proto";
import { ClientError, Status } from "nice-grpc";
import { describeError } from "../errors.js";
import type { DeviceLog } from "../machines/device-context.js";

export interface StatusReporterOptions {
  /** Changes within this window go out as one report per device. */
  coalesceMs: number;
  /** Reports in flight at once. */
  concurrency: number;
  /** Wait before retrying after the place did not answer. */
  retryMs: number;
  log: DeviceLog;
}

/**
 * Coalesces device status reports: only the latest status of each device is sent, at most
 * `concurrency` at a time. A report the place missed is retried unless a newer one replaced it.
 */
export class StatusReporter {
  private readonly pending = new Map<string, DeviceStatus>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly send: (status: DeviceStatus) => Promise<unknown>,
    private readonly o: StatusReporterOptions,
  ) {}

  report(status: DeviceStatus): void {
    this.pending.set(status.deviceId, status);
    this.schedule(this.o.coalesceMs);
  }

  /** Send what is pending now; resolves when done or when `deadlineMs` has passed. */
  async drain(deadlineMs: number): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([this.flush(), expired]);
    clearTimeout(timer);
  }

  private schedule(ms: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  private flush(): Promise<void> {
    this.flushing ??= this.sendPending().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async sendPending(): Promise<void> {
    let failed = false;
    while (this.pending.size > 0 && !failed) {
      const batch: DeviceStatus[] = [];
      for (const [id, status] of this.pending) {
        if (batch.length >= this.o.concurrency) break;
        batch.push(status);
        this.pending.delete(id);
      }
      const results = await Promise.allSettled(batch.map((s) => this.send(s)));
      results.forEach((r, i) => {
        if (r.status === "fulfilled") return;
        const status = batch[i]!;
        // The place no longer has this device (removed from its configuration): nothing to retry.
        if (r.reason instanceof ClientError && r.reason.code === Status.NOT_FOUND) return;
        if (!failed)
          this.o.log.warn({ err: describeError(r.reason) }, "device status not delivered; will retry");
        failed = true;
        if (!this.pending.has(status.deviceId)) this.pending.set(status.deviceId, status);
      });
    }
    // Scheduled after this flush settles (schedule() skips while flushing).
    setImmediate(() => {
      if (this.pending.size > 0) this.schedule(failed ? this.o.retryMs : this.o.coalesceMs);
    }).unref();
  }
}
