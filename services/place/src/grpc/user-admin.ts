import { InvalidArgumentError, NotFoundError, type KitCallContext } from "@biometricflow/grpc-kit";
import { Privilege, type DeviceOutcome, type PlaceServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import type { OutboxOp } from "../journal/outbox-table.js";
import { requireText } from "./requests.js";
import { userToProto } from "./to-proto.js";

type UserAdmin = Pick<PlaceServiceImplementation<KitCallContext>, "upsertUser" | "deleteUser">;

const PRIVILEGES = new Set([
  Privilege.PRIVILEGE_USER,
  Privilege.PRIVILEGE_ENROLLER,
  Privilege.PRIVILEGE_MANAGER,
  Privilege.PRIVILEGE_ADMIN,
]);

/**
 * Users: stored, audited and queued for every device in one transaction (the place is the source
 * of truth), then applied to each live device. A device that cannot be reached keeps the change in
 * the journal's outbox and gets it when it is live again: its outcome is "pending", not failed.
 */
export function userAdmin(d: PlaceDeps): UserAdmin {
  /** Queue the change for every device; call inside the transaction that makes it. */
  function enqueue(userId: string, op: OutboxOp, actor: string, atMs: number): Queued[] {
    return d.config.devices.map(({ id }) => ({
      deviceId: id,
      change: d.journal.outbox.enqueue({ deviceId: id, userId, op, actor, atMs }),
    }));
  }

  /** Each device's outcome for its queued change; a cancelled call leaves the changes queued. */
  async function outcomes(queued: Queued[], signal: AbortSignal): Promise<DeviceOutcome[]> {
    const all = Promise.all(
      queued.map(async ({ deviceId, change }): Promise<DeviceOutcome> => {
        const o = await d.outbox.settle(deviceId, change);
        if (o.kind === "applied") return { deviceId, ok: true, error: "", pending: false };
        return { deviceId, ok: false, error: o.error, pending: o.kind === "pending" };
      }),
    );
    return Promise.race([all, aborted(signal)]);
  }

  return {
    async upsertUser(req, ctx) {
      const u = req.user;
      if (!u) throw new InvalidArgumentError("user is required");
      // Limits of the device's user record: 24-character id and name, 8-character password.
      const user = {
        userId: requireText(u.userId, "user.user_id", 24),
        name: u.name === "" ? "" : requireText(u.name, "user.name", 24),
        privilege: u.privilege === Privilege.PRIVILEGE_UNSPECIFIED ? Privilege.PRIVILEGE_USER : u.privilege,
        card: u.card,
        disabled: u.disabled,
        updatedAtMs: Date.now(),
      };
      if (!PRIVILEGES.has(user.privilege))
        throw new InvalidArgumentError(`user.privilege ${u.privilege} is unknown`);
      if (req.password.length > 8) throw new InvalidArgumentError("password must be at most 8 characters");
      const actor = requireText(req.actor, "actor");
      const queued = d.journal.transaction(() => {
        d.journal.users.upsert(user, req.password);
        const { updatedAtMs: _at, userId: _id, ...detail } = user;
        d.journal.audit.record({
          atMs: user.updatedAtMs,
          actor,
          action: "user.upsert",
          target: user.userId,
          detail: { ...detail, passwordChanged: req.password !== "" },
        });
        return enqueue(user.userId, "upsert", actor, user.updatedAtMs);
      });
      return { user: userToProto(user), devices: await outcomes(queued, ctx.signal) };
    },

    async deleteUser(req, ctx) {
      const userId = requireText(req.userId, "user_id", 24);
      const actor = requireText(req.actor, "actor");
      const queued = d.journal.transaction(() => {
        if (!d.journal.users.delete(userId))
          throw new NotFoundError(`user "${userId}" is not a user of this place`);
        const atMs = Date.now();
        d.journal.audit.record({ atMs, actor, action: "user.delete", target: userId, detail: {} });
        return enqueue(userId, "delete", actor, atMs);
      });
      return { devices: await outcomes(queued, ctx.signal) };
    },
  };
}

interface Queued {
  deviceId: string;
  change: number;
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(new DOMException("The operation was aborted", "AbortError"));
    if (signal.aborted) fail();
    else signal.addEventListener("abort", fail, { once: true });
  });
}
