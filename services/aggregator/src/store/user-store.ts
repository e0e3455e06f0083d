import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { User } from "@biometricflow/proto";

export interface Person {
  userId: string;
  name: string;
  /** Expected at work: a current, enabled user of the place. */
  expected: boolean;
}

/** The people of each place, keyed by their badge/PIN user_id. */
export class UserStore {
  constructor(private readonly db: ClickHouseDb) {}

  /** Store the place's current users; users it no longer lists are marked deleted. */
  async replaceAll(placeId: string, users: readonly User[]): Promise<void> {
    const version = Date.now();
    const current = new Set(users.map((u) => u.userId));
    const known = await this.db.rows<{ user_id: string; name: string }>(
      sql`SELECT user_id, name FROM ${this.db.table("users")} FINAL
        WHERE place_id = ${lit.string(placeId)} AND deleted = 0`,
    );
    const row = (u: Pick<User, "userId" | "name">, extra: Partial<User>, deleted: boolean) => ({
      place_id: placeId,
      user_id: u.userId,
      name: u.name,
      privilege: extra.privilege ?? 0,
      card: extra.card ?? 0,
      disabled: extra.disabled ? 1 : 0,
      deleted: deleted ? 1 : 0,
      updated_at: (extra.updatedAt ?? new Date(version)).toISOString().slice(0, 19).replace("T", " "),
      version,
    });
    await this.db.insert("users", [
      ...users.map((u) => row(u, u, false)),
      ...known
        .filter((k) => !current.has(k.user_id))
        .map((k) => row({ userId: k.user_id, name: k.name }, {}, true)),
    ]);
  }

  /** Everyone the place has listed (deleted ones too, for their names), optionally only `userIds`. */
  async people(placeId: string, userIds: readonly string[]): Promise<Person[]> {
    const only = userIds.length ? sql`AND user_id IN ${lit.inList(lit.strings(userIds))}` : sql``;
    const rows = await this.db.rows<{ user_id: string; name: string; expected: number }>(
      sql`SELECT user_id, name, (deleted = 0 AND disabled = 0) AS expected FROM ${this.db.table("users")} FINAL
        WHERE place_id = ${lit.string(placeId)} ${only}`,
    );
    return rows.map((r) => ({ userId: r.user_id, name: r.name, expected: Boolean(r.expected) }));
  }
}
