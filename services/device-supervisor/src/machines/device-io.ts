import type { DeviceCommand } from "@biometricflow/proto";
import type { AnyActorRef } from "xstate";
import { describeError } from "../errors.js";
import { syncInput } from "./device-actors.js";
import type { DeviceContext } from "./device-context.js";

// What the device machine hands to its I/O: actor inputs built from the context, and the one
// side effect an action may take (answering a command it will not run).

/** Tell the place a command will not run, and why: it never reached the device, so it may be sent again. */
export function refuse(c: DeviceContext, command: DeviceCommand, why: string): void {
  c.link
    .completeCommand({
      commandId: command.commandId,
      ok: false,
      error: why,
      timeBefore: "",
      timeAfter: "",
      stored: 0,
      cleared: 0,
      retryable: true,
    })
    .catch((err: unknown) =>
      c.log.warn({ device: c.settings.id, err: describeError(err) }, "could not answer a command"),
    );
}

export function clockInput(c: DeviceContext) {
  return {
    port: c.port,
    link: c.link,
    deviceId: c.settings.id,
    timezone: c.settings.timezone,
    policy: c.settings.clock,
    lastCorrectionAt: c.lastCorrectionAt,
    actor: `supervisor:${c.link.supervisorId}`,
  };
}

export function policyClearInput(c: DeviceContext, self: AnyActorRef) {
  const percent = c.settings.clear.thresholdPercent;
  return {
    ...syncInput(c, self),
    actor: `supervisor:${c.link.supervisorId}`,
    reason: `clear policy: log at or above ${percent}% of capacity`,
  };
}
