import type { DeviceAssignment, PlaceLinkStatus, SupervisedDevice } from "@biometricflow/proto";
import { createActor, toPromise, type AnyActorRef, type StateValue } from "xstate";
import type { BackoffPolicy } from "./backoff.js";
import type { DeviceParams, DevicePort } from "./device/device-port.js";
import type { DeviceTuning } from "./device/device-settings.js";
import type { Limiter } from "./limiter.js";
import { attachLoop } from "./link/attach-loop.js";
import { PlaceLink, type PlaceLinkOptions } from "./link/place-link.js";
import { INITIAL_LINK_STATE, nextLinkState, type LinkState } from "./link/link-state.js";
import type { DeviceContext, DeviceLog } from "./machines/device-context.js";
import { supervisorMachine } from "./machines/supervisor-machine.js";
import { placeLinkStatus, supervisedDevice } from "./status/supervisor-status.js";

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
  /** The Attach link as it stands now. */
  readonly link: LinkState;
  /** Called on every change of `link` (health follows it). */
  onLinkChange(listener: (link: LinkState) => void): void;
  /** The link and every current device actor, for SupervisorService. */
  status(): PlaceLinkStatus;
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
  let linkState: LinkState = INITIAL_LINK_STATE;
  let lastAssignment: DeviceAssignment | undefined;
  const listeners: ((link: LinkState) => void)[] = [];
  let markAttached: (a: DeviceAssignment) => void = () => undefined;
  const attached = new Promise<DeviceAssignment>((resolve) => (markAttached = resolve));
  const loop = attachLoop({
    open: (signal) => link.attach(signal),
    onAssignment: (assignment) => {
      o.log.info(
        { place: o.address, placeId: assignment.placeId, devices: assignment.devices.length },
        "assignment",
      );
      lastAssignment = assignment;
      actor.send({ type: "ASSIGNMENT", assignment });
      markAttached(assignment);
    },
    onCommand: (command) => actor.send({ type: "COMMAND", command }),
    signal: abort.signal,
    backoff: o.attachBackoff,
    random: o.random,
    log: o.log,
    address: o.address,
    onPhase: (phase, error) => {
      const next = nextLinkState(linkState, phase, Date.now(), error);
      if (next === linkState) return;
      linkState = next;
      for (const listener of listeners) listener(next);
    },
  });
  /** The current device actors (not removed ones still closing), as the status RPC shows them. */
  const devices = (): SupervisedDevice[] => {
    const snapshot = actor.getSnapshot();
    const children = snapshot.children as Record<string, AnyActorRef | undefined>;
    return [...snapshot.context.devices.values()].flatMap((actorId) => {
      const child = children[actorId]?.getSnapshot() as
        { value: StateValue; context: DeviceContext } | undefined;
      return child ? [supervisedDevice(child.value, child.context)] : [];
    });
  };
  return {
    address: o.address,
    attached,
    get link() {
      return linkState;
    },
    onLinkChange: (listener) => void listeners.push(listener),
    status: () => placeLinkStatus(o.address, linkState, lastAssignment, devices()),
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
