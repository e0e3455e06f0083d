import type { AttachResponse, DeviceAssignment, DeviceCommand } from "@biometricflow/proto";
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import { describeError } from "../errors.js";
import type { DeviceLog } from "../machines/device-context.js";
import type { LinkPhase } from "./link-state.js";

export interface AttachLoopOptions {
  open(signal: AbortSignal): AsyncIterable<AttachResponse>;
  onAssignment(assignment: DeviceAssignment): void;
  onCommand(command: DeviceCommand): void;
  signal: AbortSignal;
  backoff: BackoffPolicy;
  random: () => number;
  log: DeviceLog;
  address: string;
  /** Told when the link connects, attaches (first message), fails, or stops: health and status follow it. */
  onPhase?(phase: LinkPhase, error?: string): void;
}

/**
 * Stay attached to a place: read its Attach stream, and when it ends or fails, dial again with
 * backoff. Devices keep running meanwhile on the last assignment; their punches wait on the devices.
 */
export async function attachLoop(o: AttachLoopOptions): Promise<void> {
  let failures = 0;
  const phase = (p: LinkPhase, error?: string): void => o.onPhase?.(p, error);
  while (!o.signal.aborted) {
    phase("connecting");
    try {
      for await (const message of o.open(o.signal)) {
        phase("attached"); // the place's first message is always the assignment
        failures = 0;
        if (message.assignment) o.onAssignment(message.assignment);
        else if (message.command) o.onCommand(message.command);
      }
      if (!o.signal.aborted) {
        o.log.warn({ place: o.address }, "the place ended the Attach stream; attaching again");
        phase("retrying", "the place ended the Attach stream");
      }
    } catch (err) {
      if (o.signal.aborted) break;
      o.log.warn({ place: o.address, err: describeError(err) }, "Attach stream failed; attaching again");
      phase("retrying", describeError(err));
    }
    failures++;
    await sleep(backoffDelay(failures, o.backoff, o.random), o.signal);
  }
  phase("stopped");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
