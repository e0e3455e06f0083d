import { fromCallback, fromPromise, type AnyActorRef } from "xstate";
import type { DeviceCounts, DeviceIdentity, DevicePort } from "../device/device-port.js";
import { describeError } from "../errors.js";
import type { DeviceLink } from "../link/device-link.js";
import { clearLog, type ClearResult } from "../sync/clear-log.js";
import { checkClock, type ClockCheck, type ClockReading } from "../sync/clock-check.js";
import { runCommand, type CommandOutcome } from "../sync/commands.js";
import type { Cursor } from "../sync/cursor.js";
import { ingestLive } from "../sync/live-ingest.js";
import type { LiveTally } from "../sync/live-tally.js";
import { pull, type PullResult } from "../sync/pull.js";
import type { SyncTarget } from "../sync/sync-target.js";
import type { DeviceCommand } from "@biometricflow/proto";
import type { DeviceContext, DeviceEvent, DeviceLog } from "./device-context.js";

/** A SyncTarget without the abort signal, which each invocation brings. */
export type SyncInput = Omit<SyncTarget, "signal"> & { cursor: Cursor };

/** The sync input for the current context; acknowledgements go back to the actor as CURSOR events. */
export function syncInput(c: DeviceContext, self: AnyActorRef): SyncInput {
  return {
    deviceId: c.settings.id,
    serial: c.serial,
    port: c.port,
    link: c.link,
    batchSize: c.tuning.batchSize,
    slots: c.syncSlots,
    lockDuringRead: c.tuning.lockDuringRead,
    live: c.live,
    cursor: c.cursor,
    onAck: (cursor) => {
      if (self.getSnapshot().status === "active") self.send({ type: "CURSOR", cursor } satisfies DeviceEvent);
    },
  };
}

export interface LiveInput {
  port: DevicePort;
  link: DeviceLink;
  deviceId: string;
  serial: string;
  live: LiveTally;
  log: DeviceLog;
}

/** The I/O of a device actor. The machine only decides; these do, and report back. */
export const deviceActors = {
  connect: fromPromise<void, { port: DevicePort }>(({ input }) => input.port.connect()),
  identify: fromPromise<DeviceIdentity, { port: DevicePort }>(({ input }) => input.port.identify()),
  probe: fromPromise<DeviceCounts, { port: DevicePort; timeoutMs: number }>(({ input }) =>
    input.port.counts(input.timeoutMs),
  ),
  checkClock: fromPromise<ClockReading, ClockCheck>(({ input }) => checkClock(input)),
  pull: fromPromise<PullResult, SyncInput>(({ input, signal }) => pull({ ...input, signal }, input.cursor)),
  clear: fromPromise<ClearResult, SyncInput & { actor: string; reason: string }>(({ input, signal }) =>
    clearLog({ ...input, signal }, input.cursor, input.actor, input.reason),
  ),
  command: fromPromise<CommandOutcome, SyncInput & { command: DeviceCommand; timezone: string }>(
    ({ input, signal }) =>
      runCommand({
        target: { ...input, signal },
        command: input.command,
        cursor: input.cursor,
        timezone: input.timezone,
      }),
  ),
  close: fromPromise<void, { port: DevicePort }>(({ input }) => input.port.close()),
  /**
   * A plain timer instead of XState's `after`: delayed events live in the actor system's
   * scheduler, which every stopping actor scans, so with 10,000 devices in one system each
   * finished probe would cost 10,000 steps.
   */
  timer: fromCallback<DeviceEvent, { ms: number }>(({ input, sendBack }) => {
    const timer = setTimeout(() => sendBack({ type: "TIMER" }), input.ms);
    return () => clearTimeout(timer);
  }),
  /**
   * Realtime capture for as long as the actor is live. Each punch goes to the place at once
   * (coalesced per place by the link) and is counted in the tally; only a failure becomes a
   * machine event (pull soon), so a delivered punch costs no XState work.
   */
  live: fromCallback<DeviceEvent, LiveInput>(({ input, sendBack }) => {
    let active = true;
    let failing = false; // warn once per run of failures, not once per punch
    const offPunch = input.port.onPunch((event) => {
      const seq = input.live.receive(event.timestamp, event.userId, Date.now());
      ingestLive(input.link, input.deviceId, input.serial, event).then(
        () => {
          input.live.settle(seq, true);
          failing = false;
        },
        (err: unknown) => {
          input.live.settle(seq, false);
          if (!failing)
            input.log.warn(
              { device: input.deviceId, err: describeError(err) },
              "live punch not delivered; the next pull sends it",
            );
          failing = true;
          if (active) sendBack({ type: "LIVE_INGEST_FAILED" });
        },
      );
    });
    const offClose = input.port.onClose((error) => sendBack({ type: "DISCONNECTED", error }));
    input.port.startLive().catch((error: unknown) => active && sendBack({ type: "LIVE_FAILED", error }));
    return () => {
      active = false;
      offPunch();
      offClose();
    };
  }),
};
