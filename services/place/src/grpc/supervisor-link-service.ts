import { InvalidArgumentError, type KitCallContext } from "@biometricflow/grpc-kit";
import type { SupervisorLinkServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import { requireDevice, requireText } from "./requests.js";

/** Device groups one IngestPunchBatch may carry (a supervisor sends a few hundred). */
const MAX_GROUPS = 10_000;

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
      return d.linkIngest.one(req.deviceId, req.deviceSerial, req.punches, req.cursor);
    },

    async ingestPunchBatch(req) {
      if (req.devices.length > MAX_GROUPS) {
        throw new InvalidArgumentError(`at most ${MAX_GROUPS} devices per call, got ${req.devices.length}`);
      }
      return d.linkIngest.many(req.devices);
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
