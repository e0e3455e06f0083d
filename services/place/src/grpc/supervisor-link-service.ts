import { InvalidArgumentError, type KitCallContext } from "@biometricflow/grpc-kit";
import type { SupervisorLinkServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import { requireDevice, requireText } from "./requests.js";

/** What device supervisors call: the place's side of the link. */
export function supervisorLinkService(d: PlaceDeps): SupervisorLinkServiceImplementation<KitCallContext> {
  return {
    async *attach(req, ctx) {
      const supervisorId = requireText(req.supervisorId, "supervisor_id", 100);
      ctx.abortOnTerminate();
      const session = d.hub.attach(supervisorId, ctx.peer);
      try {
        yield* session.queue.drain(ctx.signal);
      } finally {
        d.hub.detach(session, "its Attach stream ended");
      }
    },

    async ingestPunches(req) {
      return d.ingest(req.deviceId, req.deviceSerial, req.punches, req.cursor);
    },

    async reportDeviceStatus(req) {
      if (!req.status) throw new InvalidArgumentError("status is required");
      requireDevice(d.deviceIds, req.status.deviceId, "status.device_id");
      d.board.report(req.status);
      return {};
    },

    async completeCommand(req) {
      requireText(req.commandId, "command_id", 100);
      d.commands.complete(req);
      return {};
    },

    async recordAudit(req) {
      if (req.deviceId !== "") requireDevice(d.deviceIds, req.deviceId);
      d.journal.audit.record({
        atMs: Date.now(),
        actor: requireText(req.actor, "actor"),
        action: requireText(req.action, "action", 100),
        target: req.deviceId,
        detail: { detail: req.detail },
      });
      return {};
    },
  };
}
