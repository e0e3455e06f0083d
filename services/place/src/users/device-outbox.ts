import { DeviceState, type CompleteCommandRequest } from "@biometricflow/proto";
import type { Logger } from "@biometricflow/telemetry";
import type { DeviceStatusBoard } from "../devices/device-status-board.js";
import { userToProto } from "../grpc/to-proto.js";
import type { Journal } from "../journal/journal.js";
import type { OutboxRow } from "../journal/outbox-table.js";
import type { CommandAction, CommandBus } from "../supervisors/command-bus.js";

/** What became of one queued change. */
export type OutboxOutcome =
  { kind: "applied" } | { kind: "refused"; error: string } | { kind: "pending"; error: string };

export interface DeviceOutboxDeps {
  journal: Journal;
  board: DeviceStatusBoard;
  commands: Pick<CommandBus, "run">;
  log: Logger;
}

/**
 * Applies each device's queued user changes (journal.outbox), oldest first, one at a time, while
 * the device is LIVE; stops at the first change that cannot reach it and starts again when its
 * supervisor next reports it LIVE. Each application, or refusal by the device, is audited in the
 * same transaction that removes the change.
 */
export class DeviceOutbox {
  private readonly running = new Map<string, Promise<void>>();
  /** Devices kicked while their drain was running: look again before stopping. */
  private readonly again = new Set<string>();
  private readonly waiters = new Map<number, { deviceId: string; resolve(o: OutboxOutcome): void }>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly d: DeviceOutboxDeps) {
    // A device that is (back) LIVE gets what it missed.
    this.unsubscribe = d.board.subscribe((s) => {
      if (s.state === DeviceState.DEVICE_STATE_LIVE) void this.kick(s.deviceId);
    });
  }

  /** Drain the device's queue now if it is live; resolves when this drain stops. */
  kick(deviceId: string): Promise<void> {
    const current = this.running.get(deviceId);
    if (current) {
      this.again.add(deviceId);
      return current;
    }
    const run = this.drain(deviceId)
      .catch((err: unknown) => {
        // The changes stay queued; the next LIVE report tries again.
        this.d.log.error({ err, deviceId }, "could not apply queued user changes");
        this.resolveWaiting((id) => id === deviceId, "queued; the place could not apply it now");
      })
      .finally(() => this.running.delete(deviceId));
    this.running.set(deviceId, run);
    return run;
  }

  /** What becomes of change `id` on this attempt: applied, refused, or still pending. */
  settle(deviceId: string, id: number): Promise<OutboxOutcome> {
    const outcome = new Promise<OutboxOutcome>((resolve) => this.waiters.set(id, { deviceId, resolve }));
    void this.kick(deviceId);
    return outcome;
  }

  /** Stop reacting to status reports; queued changes stay in the journal for the next start. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.resolveWaiting(() => true, "the place is shutting down");
  }

  private async drain(deviceId: string): Promise<void> {
    let why = "";
    do {
      this.again.delete(deviceId);
      why = await this.applyQueued(deviceId);
    } while (this.again.has(deviceId) && !this.closed);
    this.resolveWaiting((id) => id === deviceId, why);
  }

  /** Apply changes until the queue is empty ("") or one cannot reach the device (why not). */
  private async applyQueued(deviceId: string): Promise<string> {
    const { journal } = this.d;
    while (!this.closed) {
      const notLive = this.notLive(deviceId);
      if (notLive) return notLive;
      const change = journal.outbox.next(deviceId);
      if (!change) return "";
      const action = this.actionFor(change);
      let result: CompleteCommandRequest | undefined;
      let error = "";
      if (action) {
        try {
          result = await this.d.commands.run(deviceId, action);
        } catch (err) {
          error = (err as Error).message; // no supervisor, timed out, detached: still pending
        }
        if (this.closed) break; // the journal may be closed already
        if (!result || (!result.ok && result.retryable)) {
          error ||= result?.error || "the device did not take the change";
          // It may have been replaced or dropped while the command ran.
          if (journal.outbox.get(change.id)) journal.outbox.failedAttempt(change.id, error);
          return error;
        }
      }
      this.finish(change, result);
    }
    return "the place is shutting down";
  }

  /** Remove the change and audit what the device did with it, in one transaction. */
  private finish(change: OutboxRow, result: CompleteCommandRequest | undefined): void {
    const { journal } = this.d;
    // No result: the user was deleted at the place since, so there is nothing to push.
    const outcome = !result ? "skipped" : result.ok ? "applied" : "refused";
    journal.transaction(() => {
      if (!journal.outbox.get(change.id)) return; // replaced meanwhile: the newer one is audited
      journal.outbox.remove(change.id);
      journal.audit.record({
        atMs: Date.now(),
        actor: change.actor,
        action: `user.${change.op}.${outcome}`,
        target: change.userId,
        detail: {
          deviceId: change.deviceId,
          queuedAtMs: change.queuedAtMs,
          attempts: change.attempts + 1,
          ...(outcome === "refused" ? { error: result!.error } : {}),
        },
      });
    });
    const waiter = this.waiters.get(change.id);
    this.waiters.delete(change.id);
    if (outcome !== "refused") return waiter?.resolve({ kind: "applied" });
    const error = result!.error || "the device refused the change";
    this.d.log.warn(
      { deviceId: change.deviceId, userId: change.userId, op: change.op, error },
      "a device refused a user change; it is not retried",
    );
    waiter?.resolve({ kind: "refused", error });
  }

  /** The command for a change; undefined when there is nothing left to do (user gone since). */
  private actionFor(change: OutboxRow): CommandAction | undefined {
    if (change.op === "delete") return { deleteUser: { userId: change.userId } };
    const user = this.d.journal.users.get(change.userId);
    if (!user) return undefined;
    return {
      upsertUser: { user: userToProto(user), password: this.d.journal.users.passwordOf(change.userId) },
    };
  }

  /** Why the device cannot take changes now; "" when it is LIVE. */
  private notLive(deviceId: string): string {
    let state: DeviceState;
    try {
      state = this.d.board.get(deviceId).state;
    } catch {
      return "the device is no longer configured";
    }
    if (state === DeviceState.DEVICE_STATE_LIVE) return "";
    return `device is ${DeviceState[state]?.replace("DEVICE_STATE_", "") ?? "not live"}; applied when it is live again`;
  }

  private resolveWaiting(match: (deviceId: string) => boolean, why: string): void {
    for (const [id, w] of this.waiters) {
      if (!match(w.deviceId)) continue;
      this.waiters.delete(id);
      w.resolve({ kind: "pending", error: why || "queued; applied when the device is live" });
    }
  }
}
