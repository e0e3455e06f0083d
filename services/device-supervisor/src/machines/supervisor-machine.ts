import type { DeviceAssignment, DeviceCommand } from "@biometricflow/proto";
import { enqueueActions, setup } from "xstate";
import type { DeviceParams, DevicePort } from "../device/device-port.js";
import { deviceSettings, type DeviceTuning } from "../device/device-settings.js";
import { describeError } from "../errors.js";
import type { Limiter } from "../limiter.js";
import type { DeviceLink } from "../link/device-link.js";
import { isKnownZone } from "../sync/clock.js";
import { EMPTY_CURSOR } from "../sync/cursor.js";
import type { DeviceEvent, DeviceLog } from "./device-context.js";
import { deviceMachine } from "./device-machine.js";

/** What a place's supervisor actor needs from the outside world. */
export interface SupervisorDeps {
  link: DeviceLink;
  tuning: DeviceTuning;
  syncSlots: Limiter;
  random: () => number;
  log: DeviceLog;
  createPort(deviceId: string, params: DeviceParams): DevicePort;
}

export interface SupervisorContext {
  deps: SupervisorDeps;
  /** Device id -> id of its current actor. */
  devices: ReadonlyMap<string, string>;
  /** Actors not yet finished (current ones and removed ones still closing). */
  running: ReadonlySet<string>;
  generation: number;
}

export type SupervisorEvent =
  | { type: "ASSIGNMENT"; assignment: DeviceAssignment }
  | { type: "COMMAND"; command: DeviceCommand }
  | { type: "STOP" }
  | { type: `xstate.done.actor.${string}` };

const DONE_PREFIX = "xstate.done.actor.";

/**
 * The devices of one place: an actor per assigned device, spawned, reconfigured and stopped as
 * the place's assignment changes; commands routed to them; on STOP every device closes cleanly
 * (re-enabled, session ended) before this actor finishes.
 */
export const supervisorMachine = setup({
  types: {} as { context: SupervisorContext; events: SupervisorEvent; input: SupervisorDeps },
  actors: { device: deviceMachine },
  guards: {
    allStopped: ({ context }) => context.running.size === 0,
  },
  actions: {
    applyAssignment: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "ASSIGNMENT") return;
      const { placeId, timezone } = event.assignment;
      const { deps } = context;
      if (!isKnownZone(timezone))
        deps.log.warn({ placeId, timezone }, "unknown time zone: clock drift is not measured");
      const devices = new Map(context.devices);
      const running = new Set(context.running);
      let generation = context.generation;
      const assigned = new Set<string>();
      for (const a of event.assignment.devices) {
        const id = a.device?.id;
        if (!id || assigned.has(id)) continue;
        assigned.add(id);
        const settings = deviceSettings(a, placeId, timezone, deps.tuning);
        const actorId = devices.get(id);
        if (actorId !== undefined) {
          enqueue.sendTo(actorId, { type: "CONFIGURE", settings } satisfies DeviceEvent);
          continue;
        }
        const newId = `${id}#${++generation}`;
        devices.set(id, newId);
        running.add(newId);
        enqueue.spawnChild("device", {
          id: newId,
          input: {
            settings,
            cursor: a.cursor ?? EMPTY_CURSOR,
            lastCorrectionAt: a.lastClockCorrectionMs,
            port: deps.createPort(id, settings.params),
            link: deps.link,
            tuning: deps.tuning,
            syncSlots: deps.syncSlots,
            random: deps.random,
            log: deps.log,
          },
        });
      }
      for (const [id, actorId] of devices) {
        if (assigned.has(id)) continue;
        enqueue.sendTo(actorId, { type: "REMOVE" } satisfies DeviceEvent);
        devices.delete(id);
      }
      enqueue.assign({ devices, running, generation });
    }),
    routeCommand: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== "COMMAND") return;
      const actorId = context.devices.get(event.command.deviceId);
      if (actorId !== undefined) {
        enqueue.sendTo(actorId, { type: "COMMAND", command: event.command } satisfies DeviceEvent);
        return;
      }
      const { link, log } = context.deps;
      link
        .completeCommand({
          commandId: event.command.commandId,
          ok: false,
          error: `device ${event.command.deviceId} is not assigned to supervisor ${link.supervisorId}`,
          timeBefore: "",
          timeAfter: "",
          stored: 0,
          cleared: 0,
          retryable: true,
        })
        .catch((err: unknown) => log.warn({ err: describeError(err) }, "could not answer a command"));
    }),
    forgetFinished: enqueueActions(({ context, event, enqueue }) => {
      if (!event.type.startsWith(DONE_PREFIX)) return;
      // In place: copying a 10,000-entry set for each of 10,000 finishing actors is quadratic.
      const running = context.running as Set<string>;
      running.delete(event.type.slice(DONE_PREFIX.length));
      enqueue.assign({ running });
    }),
    shutdownAll: enqueueActions(({ context, enqueue }) => {
      for (const actorId of context.running)
        enqueue.sendTo(actorId, { type: "SHUTDOWN" } satisfies DeviceEvent);
      enqueue.assign({ devices: new Map() });
    }),
  },
}).createMachine({
  id: "supervisor",
  context: ({ input }) => ({ deps: input, devices: new Map(), running: new Set(), generation: 0 }),
  initial: "running",
  states: {
    running: {
      on: {
        ASSIGNMENT: { actions: "applyAssignment" },
        COMMAND: { actions: "routeCommand" },
        STOP: "stopping",
        "xstate.done.actor.*": { actions: "forgetFinished" },
      },
    },
    stopping: {
      entry: "shutdownAll",
      always: { guard: "allStopped", target: "stopped" },
      on: {
        COMMAND: { actions: "routeCommand" },
        "xstate.done.actor.*": { actions: "forgetFinished" },
      },
    },
    stopped: { type: "final" },
  },
});
