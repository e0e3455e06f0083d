import { InvalidArgumentError, NotFoundError, type KitCallContext } from "@biometricflow/grpc-kit";
import { Privilege, type DeviceOutcome, type PlaceServiceImplementation } from "@biometricflow/proto";
import type { PlaceDeps } from "./place-deps.js";
import type { CommandAction } from "../supervisors/command-bus.js";
import { requireText } from "./requests.js";
import { userToProto } from "./to-proto.js";

type UserAdmin = Pick<PlaceServiceImplementation<KitCallContext>, "upsertUser" | "deleteUser">;

const PRIVILEGES = new Set([
  Privilege.PRIVILEGE_USER,
  Privilege.PRIVILEGE_ENROLLER,
  Privilege.PRIVILEGE_MANAGER,
  Privilege.PRIVILEGE_ADMIN,
]);

/** Users: stored and audited first (the place is the source of truth), then pushed to every device. */
export function userAdmin(d: PlaceDeps): UserAdmin {
  /** Send one action to every device of the place; an unreachable device is an outcome, not a failure. */
  async function toEveryDevice(action: CommandAction, signal: AbortSignal): Promise<DeviceOutcome[]> {
    return Promise.all(
      d.config.devices.map(async ({ id }): Promise<DeviceOutcome> => {
        try {
          const r = await d.commands.run(id, action, signal);
          return { deviceId: id, ok: r.ok, error: r.ok ? "" : r.error || "the device refused" };
        } catch (err) {
          if (signal.aborted) throw err;
          return { deviceId: id, ok: false, error: (err as Error).message };
        }
      }),
    );
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
      const password = d.journal.transaction(() => {
        d.journal.users.upsert(user, req.password);
        const { updatedAtMs: _at, userId: _id, ...detail } = user;
        d.journal.audit.record({
          atMs: user.updatedAtMs,
          actor,
          action: "user.upsert",
          target: user.userId,
          detail: { ...detail, passwordChanged: req.password !== "" },
        });
        return d.journal.users.passwordOf(user.userId);
      });
      const stored = userToProto(user);
      const devices = await toEveryDevice({ upsertUser: { user: stored, password } }, ctx.signal);
      return { user: stored, devices };
    },

    async deleteUser(req, ctx) {
      const userId = requireText(req.userId, "user_id", 24);
      const actor = requireText(req.actor, "actor");
      d.journal.transaction(() => {
        if (!d.journal.users.delete(userId))
          throw new NotFoundError(`user "${userId}" is not a user of this place`);
        d.journal.audit.record({
          atMs: Date.now(),
          actor,
          action: "user.delete",
          target: userId,
          detail: {},
        });
      });
      return { devices: await toEveryDevice({ deleteUser: { userId } }, ctx.signal) };
    },
  };
}
