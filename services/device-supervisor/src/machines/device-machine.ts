import { DeviceState } from "@biometricflow/proto";
import { assign, setup, type ErrorActorEvent } from "xstate";
import { sameParams } from "../device/device-settings.js";
import { describeError, isAuthFailure } from "../errors.js";
import { deviceActors, syncInput } from "./device-actors.js";
import { initialContext, type DeviceContext, type DeviceEvent, type DeviceInput } from "./device-context.js";
import { clockInput, policyClearInput, refuse } from "./device-io.js";
import {
  backedOff,
  clearDue,
  cleared,
  clockRead,
  commanded,
  failedSlowly,
  identified,
  nextDue,
  probed,
  pulled,
  serialMismatch,
  startDelay,
  wentLive,
} from "./device-rules.js";
import { deviceStatus } from "./device-status.js";

const S = DeviceState;

type Ctx = { context: DeviceContext };

/** Entering a reported state: the state, since when, why; then tell the place. */
function enter(state: DeviceState, detail?: string) {
  return [{ type: "enter", params: { state, detail } }, "report"] as const;
}

/**
 * One device's life. Pure: decisions here, their arithmetic in device-rules.ts; every byte of
 * I/O happens in the invoked actors of device-actors.ts, on the DevicePort and DeviceLink the
 * input brings.
 *
 * active.starting -> connecting -> authenticating -> syncing (clock, pull, maybe clear) -> live
 * live: realtime capture, with probe / pull / clock check / commands in turn between them
 * any failure -> backingOff (exponential, jittered, capped) -> connecting
 * wrong comm key or wrong serial -> failed (slow retry); no host -> disabled
 * REMOVE -> removed (DISABLED reported, session closed, final); SHUTDOWN -> stopping -> stopped
 */
export const deviceMachine = setup({
  types: {} as { context: DeviceContext; events: DeviceEvent; input: DeviceInput },
  actors: deviceActors,
  guards: {
    unconfigured: ({ context }) => context.settings.params.host === "",
    paramsChanged: ({ context, event }) =>
      event.type === "CONFIGURE" && !sameParams(context.settings.params, event.settings.params),
    queueFull: ({ context }) => context.commands.length >= context.tuning.maxQueuedCommands,
    hasCommand: ({ context }) => context.commands.length > 0,
    disconnected: ({ context }) => !context.port.isConnected,
    clockDue: ({ context }) => Date.now() >= context.nextClockAt,
    pullDue: ({ context }) => Date.now() >= context.nextPullAt,
  },
  actions: {
    enter: assign(({ context }, p: { state: DeviceState; detail?: string | undefined }) => ({
      state: p.state,
      since: Date.now(),
      detail: p.detail ?? context.detail,
    })),
    report: ({ context }) => context.link.reportStatus(deviceStatus(context)),
    configure: assign(({ context, event }) => {
      if (event.type !== "CONFIGURE") return {};
      if (!sameParams(context.settings.params, event.settings.params))
        context.port.configure(event.settings.params);
      return { settings: event.settings };
    }),
    /** The failed invocation's error becomes the status detail. */
    fail: assign(({ event }) => ({ detail: describeError((event as unknown as ErrorActorEvent).error) })),
    ackCursor: assign(({ event }) => (event.type === "CURSOR" ? { cursor: event.cursor } : {})),
    queueCommand: assign(({ context, event }) =>
      event.type === "COMMAND" ? { commands: [...context.commands, event.command] } : {},
    ),
    refuseCommand: ({ context, event }) => {
      if (event.type === "COMMAND") refuse(context, event.command, `device is ${DeviceState[context.state]}`);
    },
    refuseQueued: assign(({ context }) => {
      for (const command of context.commands) refuse(context, command, "device left the supervisor");
      return { commands: [] };
    }),
    backOff: assign(({ context }) => backedOff(context)),
    failSlowly: assign(({ context }) => failedSlowly(context)),
    goneLive: assign(({ context }) => wentLive(context)),
    pullSoon: assign({ nextPullAt: () => Date.now() }),
    dequeue: assign(({ context }) => ({ commands: context.commands.slice(1) })),
  },
}).createMachine({
  id: "device",
  context: ({ input }) => initialContext(input),
  initial: "active",
  on: {
    REMOVE: ".removed",
    SHUTDOWN: ".stopping",
    CURSOR: { actions: "ackCursor" },
    COMMAND: { actions: "refuseCommand" },
  },
  states: {
    active: {
      initial: "starting",
      on: {
        CONFIGURE: [
          { guard: "paramsChanged", target: ".restarting", actions: ["configure", assign({ failures: 0 })] },
          { actions: ["configure", "report"] },
        ],
        COMMAND: [{ guard: "queueFull", actions: "refuseCommand" }, { actions: "queueCommand" }],
      },
      states: {
        starting: {
          always: { guard: "unconfigured", target: "disabled" },
          invoke: { src: "timer", input: ({ context }: Ctx) => ({ ms: startDelay(context) }) },
          on: { TIMER: "connecting" },
        },
        restarting: {
          always: [{ guard: "unconfigured", target: "disabled" }, { target: "connecting" }],
        },
        connecting: {
          entry: enter(S.DEVICE_STATE_CONNECTING),
          invoke: {
            src: "connect",
            input: ({ context }: Ctx) => ({ port: context.port }),
            onDone: "authenticating",
            onError: [
              { guard: ({ event }) => isAuthFailure(event.error), target: "failed", actions: "fail" },
              { target: "backingOff", actions: "fail" },
            ],
          },
        },
        authenticating: {
          // The client runs CONNECT and AUTH in one call; here the device proves it is the one configured.
          entry: enter(S.DEVICE_STATE_AUTHENTICATING, ""),
          invoke: {
            src: "identify",
            input: ({ context }: Ctx) => ({ port: context.port }),
            onDone: [
              {
                guard: ({ context, event }) => serialMismatch(context, event.output),
                target: "failed",
                actions: assign(({ context, event }) => ({
                  serial: event.output.serialNumber,
                  detail: `serial mismatch: configured ${context.settings.configuredSerial}, device reports ${event.output.serialNumber}`,
                })),
              },
              {
                target: "syncing",
                actions: assign(({ context, event }) => identified(context, event.output)),
              },
            ],
            onError: [
              { guard: ({ event }) => isAuthFailure(event.error), target: "failed", actions: "fail" },
              { target: "backingOff", actions: "fail" },
            ],
          },
        },
        syncing: {
          // Catch up before listening: whatever was punched while we were away is read first.
          entry: enter(S.DEVICE_STATE_SYNCING, ""),
          initial: "clock",
          states: {
            clock: {
              invoke: {
                src: "checkClock",
                input: ({ context }: Ctx) => clockInput(context),
                onDone: {
                  target: "pulling",
                  actions: assign(({ context, event }) => clockRead(context, event.output)),
                },
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
            pulling: {
              invoke: {
                src: "pull",
                input: ({ context, self }) => syncInput(context, self),
                onDone: [
                  {
                    guard: ({ context, event }) => clearDue(context, event.output.counts),
                    target: "clearing",
                    actions: assign(({ context, event }) => pulled(context, event.output)),
                  },
                  {
                    target: "#device.active.live",
                    actions: assign(({ context, event }) => pulled(context, event.output)),
                  },
                ],
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
            clearing: {
              invoke: {
                src: "clear",
                input: ({ context, self }) => policyClearInput(context, self),
                onDone: {
                  target: "#device.active.live",
                  actions: assign(({ context, event }) => cleared(context, event.output)),
                },
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
          },
        },
        live: {
          entry: ["goneLive", ...enter(S.DEVICE_STATE_LIVE, "")],
          invoke: {
            src: "live",
            input: ({ context }: Ctx) => ({
              port: context.port,
              link: context.link,
              deviceId: context.settings.id,
              serial: context.serial,
              live: context.live,
              log: context.log,
            }),
          },
          on: {
            LIVE_INGEST_FAILED: { actions: "pullSoon" },
            LIVE_FAILED: {
              target: "backingOff",
              actions: assign(({ event }) => ({ detail: `live capture: ${describeError(event.error)}` })),
            },
          },
          initial: "idle",
          states: {
            idle: {
              always: [
                {
                  guard: "disconnected",
                  target: "#device.active.backingOff",
                  actions: assign({ detail: "connection closed" }),
                },
                { guard: "hasCommand", target: "command" },
              ],
              // One timer for the earliest of probe, pull and clock check: the others are due times.
              invoke: { src: "timer", input: ({ context }: Ctx) => ({ ms: nextDue(context) }) },
              on: {
                DISCONNECTED: {
                  target: "#device.active.backingOff",
                  actions: assign(({ event }) => ({
                    detail: `connection closed${event.error ? `: ${event.error.message}` : ""}`,
                  })),
                },
                TIMER: [
                  { guard: "clockDue", target: "clock" },
                  { guard: "pullDue", target: "pulling" },
                  { target: "probing" },
                ],
              },
            },
            probing: {
              // Liveness: live capture dies silently when a device reboots (pyzk #42, #114).
              invoke: {
                src: "probe",
                input: ({ context }: Ctx) => ({
                  port: context.port,
                  timeoutMs: context.tuning.probeTimeoutMs,
                }),
                onDone: [
                  {
                    // Counts that moved are worth a report; an unchanged probe is not.
                    guard: ({ context, event }) =>
                      event.output.records !== context.counts.records ||
                      event.output.users !== context.counts.users,
                    target: "idle",
                    actions: [assign(({ context, event }) => probed(context, event.output)), "report"],
                  },
                  { target: "idle", actions: assign(({ context, event }) => probed(context, event.output)) },
                ],
                onError: {
                  target: "#device.active.backingOff",
                  actions: assign(({ event }) => ({
                    detail: `liveness probe failed: ${describeError(event.error)}`,
                  })),
                },
              },
            },
            pulling: {
              invoke: {
                src: "pull",
                input: ({ context, self }) => syncInput(context, self),
                onDone: [
                  {
                    guard: ({ context, event }) => clearDue(context, event.output.counts),
                    target: "clearing",
                    actions: [assign(({ context, event }) => pulled(context, event.output)), "report"],
                  },
                  {
                    target: "idle",
                    actions: [assign(({ context, event }) => pulled(context, event.output)), "report"],
                  },
                ],
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
            clearing: {
              invoke: {
                src: "clear",
                input: ({ context, self }) => policyClearInput(context, self),
                onDone: {
                  target: "idle",
                  actions: [assign(({ context, event }) => cleared(context, event.output)), "report"],
                },
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
            clock: {
              invoke: {
                src: "checkClock",
                input: ({ context }: Ctx) => clockInput(context),
                onDone: {
                  target: "idle",
                  actions: [assign(({ context, event }) => clockRead(context, event.output)), "report"],
                },
                onError: { target: "#device.active.backingOff", actions: "fail" },
              },
            },
            command: {
              invoke: {
                src: "command",
                input: ({ context, self }) => ({
                  ...syncInput(context, self),
                  command: context.commands[0]!,
                  timezone: context.settings.timezone,
                }),
                onDone: {
                  target: "idle",
                  actions: [
                    "dequeue",
                    assign(({ context, event }) => commanded(context, event.output)),
                    "report",
                  ],
                },
                onError: { target: "#device.active.backingOff", actions: ["dequeue", "fail"] },
              },
            },
          },
        },
        backingOff: {
          entry: ["backOff", ...enter(S.DEVICE_STATE_BACKING_OFF)],
          invoke: [
            { src: "close", input: ({ context }: Ctx) => ({ port: context.port }) },
            { src: "timer", input: ({ context }: Ctx) => ({ ms: context.retryDelayMs }) },
          ],
          on: { TIMER: "connecting" },
        },
        failed: {
          // Retrying a wrong comm key every second would only fill the device's log: retry slowly.
          entry: ["failSlowly", ...enter(S.DEVICE_STATE_FAILED)],
          invoke: [
            { src: "close", input: ({ context }: Ctx) => ({ port: context.port }) },
            { src: "timer", input: ({ context }: Ctx) => ({ ms: context.retryDelayMs }) },
          ],
          on: { TIMER: "connecting", COMMAND: { actions: "refuseCommand" } },
        },
        disabled: {
          entry: enter(S.DEVICE_STATE_DISABLED, "no host configured"),
          invoke: { src: "close", input: ({ context }: Ctx) => ({ port: context.port }) },
          on: { COMMAND: { actions: "refuseCommand" } },
        },
      },
    },
    removed: {
      entry: ["refuseQueued", ...enter(S.DEVICE_STATE_DISABLED, "removed from the place's device list")],
      invoke: {
        src: "close",
        input: ({ context }: Ctx) => ({ port: context.port }),
        onDone: "done",
        onError: "done",
      },
    },
    stopping: {
      entry: ["refuseQueued", ...enter(S.DEVICE_STATE_UNKNOWN, "supervisor stopped")],
      invoke: {
        src: "close",
        input: ({ context }: Ctx) => ({ port: context.port }),
        onDone: "stopped",
        onError: "stopped",
      },
    },
    done: { type: "final" },
    stopped: { type: "final" },
  },
});
