import { randomUUID } from "node:crypto";
import { NotFoundError, UnavailableError } from "@biometricflow/grpc-kit";
import type { CompleteCommandRequest, DeviceCommand } from "@biometricflow/proto";
import type { SupervisorHub, SupervisorSession } from "./supervisor-hub.js";

export type CommandAction = Pick<
  DeviceCommand,
  "upsertUser" | "deleteUser" | "syncTime" | "pull" | "clearLog"
>;

interface Pending {
  session: SupervisorSession;
  settle(result: CompleteCommandRequest | Error): void;
}

export interface CommandTimeouts {
  /** Commands that touch one record or the clock. */
  quickMs: number;
  /** Commands that read a whole device log (pull, clear). */
  longMs: number;
}

/**
 * Device commands sent down a supervisor's Attach stream and answered by CompleteCommand.
 * Every command ends: answered, timed out, or failed when its supervisor detaches, with
 * UNAVAILABLE, so a PlaceService call never hangs on a device that is not there.
 */
export class CommandBus {
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(
    private readonly hub: SupervisorHub,
    private readonly timeouts: CommandTimeouts,
  ) {}

  run(deviceId: string, action: CommandAction, signal?: AbortSignal): Promise<CompleteCommandRequest> {
    if (this.closed) return Promise.reject(new UnavailableError("the place is shutting down"));
    let session: SupervisorSession;
    try {
      session = this.hub.ownerOf(deviceId);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const commandId = randomUUID();
    const ms = action.pull || action.clearLog ? this.timeouts.longMs : this.timeouts.quickMs;
    return new Promise<CompleteCommandRequest>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle(
            new UnavailableError(`device "${deviceId}" did not answer within ${ms / 1000} s (offline?)`),
          ),
        ms,
      );
      const onAbort = (): void => settle(new DOMException("The operation was aborted", "AbortError"));
      const settle = (result: CompleteCommandRequest | Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.pending.delete(commandId);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.pending.set(commandId, { session, settle });
      session.queue.push({ command: { commandId, deviceId, ...action } });
    });
  }

  /** A supervisor's answer. NOT_FOUND for a command that already timed out or never existed. */
  complete(result: CompleteCommandRequest): void {
    const p = this.pending.get(result.commandId);
    if (!p)
      throw new NotFoundError(`no command "${result.commandId}" is waiting (it timed out or was never sent)`);
    p.settle(result);
  }

  /** Fail the commands a departed supervisor can no longer answer. */
  failSession(session: SupervisorSession): void {
    for (const p of [...this.pending.values()]) {
      if (p.session === session) {
        p.settle(
          new UnavailableError(`supervisor "${session.supervisorId}" detached before the device answered`),
        );
      }
    }
  }

  /** Refuse new commands and fail waiting ones (shutdown). */
  close(): void {
    this.closed = true;
    for (const p of [...this.pending.values()]) p.settle(new UnavailableError("the place is shutting down"));
  }

  get waiting(): number {
    return this.pending.size;
  }
}
