import { Privilege as PlacePrivilege, type User } from "@biometricflow/proto";
import { Privilege, type ZkUser } from "@biometricflow/zk";

const ROLE: Partial<Record<PlacePrivilege, number>> = {
  [PlacePrivilege.PRIVILEGE_ENROLLER]: Privilege.enroller,
  [PlacePrivilege.PRIVILEGE_MANAGER]: Privilege.manager,
  [PlacePrivilege.PRIVILEGE_ADMIN]: Privilege.admin,
};

/** The lowest slot no user holds (slots are 1..65535); undefined when the device is full. */
export function freeUid(users: readonly ZkUser[]): number | undefined {
  const taken = new Set(users.map((u) => u.uid));
  for (let uid = 1; uid <= 0xffff; uid++) if (!taken.has(uid)) return uid;
  return undefined;
}

/**
 * The device record for a place user: the slot it already has on this device (found by its
 * badge/PIN user id, never by name), else a free one. An empty password keeps the device's.
 */
export function deviceUser(user: User, password: string, users: readonly ZkUser[]): ZkUser {
  const existing = users.find((u) => u.userId === user.userId);
  const uid = existing?.uid ?? freeUid(users);
  if (uid === undefined) throw new Error("the device has no free user slot");
  return {
    uid,
    userId: user.userId,
    name: user.name,
    privilege: (ROLE[user.privilege] ?? Privilege.user) | (user.disabled ? 1 : 0),
    password: password || existing?.password || "",
    card: user.card,
    group: existing?.group ?? 1,
  };
}
