import type { DeviceAssignment } from "@biometricflow/proto";
import { createActor, toPromise } from "xstate";
import type { BackoffPolicy } from "./backoff.js";
import type { DeviceParams, DevicePort } from "./device/device-port.js";
import type { DeviceTuning } from "./device/device-settings.js";
import type { Limiter } from "./limiter.js";
import { attachLoop } from "./link/attach-loop.js";
import { PlaceLink, type PlaceLinkOptions } from "./link/place-link.js";
import type { DeviceLog } from "./machines/device-context.js";
import { supervisorMachine } from "./machines/supervisor-machine.js";

export interface PlaceSupervisorOptions extends Omit<PlaceLinkOptions, "log"> {
  tuning: DeviceTuning;
  /** Shared by every place of the process. */
  syncSlots: Limiter;
  attachBackoff: BackoffPolicy;
  random: () => number;
  log: DeviceLog & { info(fields: object, message: string): void };
  createPort(deviceId: string, params: DeviceParams): DevicePort;
}

export interface PlaceSupervisor {
  readonly address: string;
  /** Resolves with the first assignment of the place. */
  readonly attached: Promise<DeviceAssignment>;
  /** Stop attaching, close every device (re-enabled, session ended), deliver last statuses. */
  stop(deadlineMs: number): Promise<void>;
}

/** One place: its link, its supervisor actor (which spawns the device actors), its Attach loop. */
export function startPlaceSupervisor(o: PlaceSupervisorOptions): PlaceSupervisor {
  const link = new PlaceLink({ ...o, log: o.log });
  const actor = createActor(supervisorMachine, {
    input: {
      link,
      tuning: o.tuning,
      syncSlots: o.syncSlots,
      random: o.random,
      log: o.log,
      createPort: o.createPort,
    },
  }).start();
  const abort = new AbortController();
  let markAttached: (a: DeviceAssignment) => void = () => undefined;
  const attached = new Promise<DeviceAssignment>((resolve) => (markAttached = resolve));
  const loop = attachLoop({
    open: (signal) => link.attach(signal),
    onAssignment: (assignment) => {
      o.log.info(
        { place: o.address, placeId: assignment.placeId, devices: assignment.devices.length },
        "assignment",
      );
      actor.send({ type: "ASSIGNMENT", assignment });
      markAttached(assignment);
    },
    onCommand: (command) => actor.send({ type: "COMMAND", command }),
    signal: abort.signal,
    backoff: o.attachBackoff,
    random: o.random,
    log: o.log,
    address: o.address,
  });
  return {
    address: o.address,
    attached,
    async stop(deadlineMs) {
      abort.abort();
      actor.send({ type: "STOP" });
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
      await Promise.race([Promise.all([toPromise(actor), loop]), expired]);
      clearTimeout(timer);
      actor.stop();
      await link.close(Math.min(2_000, deadlineMs));
    },
  };
}
