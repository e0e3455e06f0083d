import type { AttachResponse, DeviceAssignment, DeviceCommand } from "@biometricflow/proto";
import { backoffDelay, type BackoffPolicy } from "../backoff.js";
import { describeError } from "../errors.js";
import type { DeviceLog } from "../machines/device-context.js";

export interface AttachLoopOptions {
  open(signal: AbortSignal): AsyncIterable<AttachResponse>;
  onAssignment(assignment: DeviceAssignment): void;
  onCommand(command: DeviceCommand): void;
  signal: AbortSignal;
  backoff: BackoffPolicy;
  random: () => number;
  log: DeviceLog;
  address: string;
}

/**
 * Stay attached to a place: read its Attach stream, and when it ends or fails, dial again with
 * backoff. Devices keep running meanwhile on the last assignment; their punches wait on the devices.
 */
export async function attachLoop(o: AttachLoopOptions): Promise<void> {
  let failures = 0;
  while (!o.signal.aborted) {
    try {
      for await (const message of o.open(o.signal)) {
        failures = 0;
        if (message.assignment) o.onAssignment(message.assignment);
        else if (message.command) o.onCommand(message.command);
      }
      if (!o.signal.aborted)
        o.log.warn({ place: o.address }, "the place ended the Attach stream; attaching again");
    } catch (err) {
      if (o.signal.aborted) return;
      o.log.warn({ place: o.address, err: describeError(err) }, "Attach stream failed; attaching again");
    }
    failures++;
    await sleep(backoffDelay(failures, o.backoff, o.random), o.signal);
  }
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
