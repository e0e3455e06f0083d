import { InvalidArgumentError, UnavailableError, type KitCallContext } from "@biometricflow/grpc-kit";
import {
  DeviceState,
  type CompleteCommandRequest,
  type PlaceServiceImplementation,
} from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import type { CommandAction } from "../supervisors/command-bus.js";
import { requireDevice, requireText } from "./requests.js";

type DeviceAdmin = Pick<
  PlaceServiceImplementation<KitCallContext>,
  "syncDeviceTime" | "triggerPull" | "clearDeviceLog"
>;

const AWAY = new Set([
  DeviceState.DEVICE_STATE_BACKING_OFF,
  DeviceState.DEVICE_STATE_FAILED,
  DeviceState.DEVICE_STATE_DISABLED,
]);

/** Commands to one device through its supervisor; the mutating ones are audited before and after. */
export function deviceAdmin(d: PlaceDeps): DeviceAdmin {
  const audit = (actor: string, action: string, deviceId: string, detail: Record<string, unknown>): void =>
    d.journal.audit.record({ atMs: Date.now(), actor, action, target: deviceId, detail });

  /**
   * Run the command; a device that says no becomes UNAVAILABLE with its reason. A device known
   * to be away is refused at once: a command queued for it would keep the caller waiting for
   * minutes, then run unasked long after the caller gave up (a clear, even).
   */
  async function run(
    deviceId: string,
    action: CommandAction,
    signal: AbortSignal,
  ): Promise<CompleteCommandRequest> {
    const status = d.board.get(deviceId);
    if (AWAY.has(status.state)) {
      const why = status.detail ? `: ${status.detail}` : "";
      throw new UnavailableError(
        `device "${deviceId}" is ${DeviceState[status.state].replace("DEVICE_STATE_", "").toLowerCase()}${why}; nothing was sent, try again when it is live`,
      );
    }
    const r = await d.commands.run(deviceId, action, signal);
    if (!r.ok) throw new UnavailableError(`device "${deviceId}": ${r.error || "the command failed"}`);
    return r;
  }

  /** Audit "<action>.requested", run, then audit "<action>.done" or "<action>.failed". */
  async function audited(
    actor: string,
    name: string,
    deviceId: string,
    detail: Record<string, unknown>,
    work: () => Promise<CompleteCommandRequest>,
  ): Promise<CompleteCommandRequest> {
    audit(actor, `${name}.requested`, deviceId, detail);
    try {
      const r = await work();
      audit(actor, `${name}.done`, deviceId, {
        timeBefore: r.timeBefore,
        timeAfter: r.timeAfter,
        stored: r.stored,
        cleared: r.cleared,
      });
      return r;
    } catch (err) {
      audit(actor, `${name}.failed`, deviceId, { error: (err as Error).message });
      throw err;
    }
  }

  return {
    async syncDeviceTime(req, ctx) {
      const deviceId = requireDevice(d.deviceIds, req.deviceId);
      const actor = requireText(req.actor, "actor");
      const r = await audited(actor, "device.sync_time", deviceId, {}, () =>
        run(deviceId, { syncTime: {} }, ctx.signal),
      );
      return { before: r.timeBefore, after: r.timeAfter };
    },

    async triggerPull(req, ctx) {
      const deviceId = requireDevice(d.deviceIds, req.deviceId);
      return { stored: (await run(deviceId, { pull: {} }, ctx.signal)).stored };
    },

    async clearDeviceLog(req, ctx) {
      const deviceId = requireDevice(d.deviceIds, req.deviceId);
      const actor = requireText(req.actor, "actor");
      // The guard is the device's own serial when a supervisor has reported it, else the configured one.
      const expected =
        d.board.get(deviceId).serialNumber || d.config.devices.find((c) => c.id === deviceId)!.serial;
      if (req.confirmSerial !== expected) {
        throw new InvalidArgumentError(
          `confirm_serial must equal the serial of device "${deviceId}"; it does not, so nothing was cleared`,
        );
      }
      const r = await audited(actor, "device.clear_log", deviceId, { reason: req.reason }, () =>
        run(deviceId, { clearLog: { actor, reason: req.reason } }, ctx.signal),
      );
      return { stored: r.stored, cleared: r.cleared };
    },
  };
}
