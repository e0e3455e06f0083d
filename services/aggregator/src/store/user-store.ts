import { lit, sql, type ClickHouseDb } from "@biometricflow/clickhouse";
import type { User } from "@biometricflow/proto";
import { DateTime } from "luxon";
import type { MembershipChange } from "../rules/membership.js";

export interface Person {
  userId: string;
  name: string;
  /** Expected at work: a current, enabled user of the place. */
  expected: boolean;
}

/** The people of each place, keyed by their badge/PIN user_id, and when each joined or left. */
export class UserStore {
  constructor(private readonly db: ClickHouseDb) {}

  /**
   * Store the place's current users (users it no longer lists are marked deleted), and record who
   * became expected or stopped being at `atMs`. The first list a place ever sends is taken as
   * true since before anything was stored (effective 0).
   */
  async replaceAll(placeId: string, users: readonly User[], atMs = Date.now()): Promise<void> {
    const version = atMs;
    const current = new Set(users.map((u) => u.userId));
    const [known, history] = await Promise.all([
      this.db.rows<{ user_id: string; name: string }>(
        sql`SELECT user_id, name FROM ${this.db.table("users")} FINAL
          WHERE place_id = ${lit.string(placeId)} AND deleted = 0`,
      ),
      this.db.rows<{ user_id: string; expected: number }>(
        sql`SELECT user_id, argMax(expected, effective_ms) AS expected FROM ${this.db.table("user_changes")} FINAL
          WHERE place_id = ${lit.string(placeId)} GROUP BY user_id`,
      ),
    ]);
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

    const was = new Map(history.map((h) => [h.user_id, Number(h.expected) === 1]));
    const effective_ms = history.length === 0 ? 0 : atMs;
    const changes: { place_id: string; user_id: string; effective_ms: number; expected: number }[] = [];
    for (const u of users) {
      const expected = !u.disabled;
      if (was.get(u.userId) === expected || (!was.has(u.userId) && !expected)) continue;
      changes.push({ place_id: placeId, user_id: u.userId, effective_ms, expected: expected ? 1 : 0 });
    }
    for (const [userId, expected] of was) {
      if (expected && !current.has(userId))
        changes.push({ place_id: placeId, user_id: userId, effective_ms, expected: 0 });
    }
    await this.db.insert("user_changes", changes);
  }

  /**
   * Everyone the places have listed (deleted ones too, for their names), optionally only
   * `userIds`, by place: one query for any number of places.
   */
  async people(placeIds: readonly string[], userIds: readonly string[]): Promise<Map<string, Person[]>> {
    const out = new Map<string, Person[]>(placeIds.map((id) => [id, []]));
    if (placeIds.length === 0) return out;
    const only = userIds.length ? sql`AND user_id IN ${lit.inList(lit.strings(userIds))}` : sql``;
    const rows = await this.db.rows<{ place_id: string; user_id: string; name: string; expected: number }>(
      sql`SELECT place_id, user_id, name, (deleted = 0 AND disabled = 0) AS expected
        FROM ${this.db.table("users")} FINAL
        WHERE place_id IN ${lit.inList(lit.strings(placeIds))} ${only}`,
    );
    for (const r of rows)
      out.get(r.place_id)?.push({ userId: r.user_id, name: r.name, expected: Boolean(r.expected) });
    return out;
  }

  /**
   * When each person became expected or stopped being, as dates in each place's zone, by place
   * (in the order they happened): one query for any number of places.
   */
  async changes(
    places: readonly { id: string; timezone: string }[],
    userIds: readonly string[],
  ): Promise<Map<string, MembershipChange[]>> {
    const out = new Map<string, MembershipChange[]>(places.map((p) => [p.id, []]));
    if (places.length === 0) return out;
    const only = userIds.length ? sql`AND user_id IN ${lit.inList(lit.strings(userIds))}` : sql``;
    const rows = await this.db.rows<{
      place_id: string;
      user_id: string;
      effective_ms: string;
      expected: number;
    }>(
      sql`SELECT place_id, user_id, effective_ms, expected FROM ${this.db.table("user_changes")} FINAL
        WHERE place_id IN ${lit.inList(lit.strings(places.map((p) => p.id)))} ${only}
        ORDER BY place_id, effective_ms`,
    );
    const zones = new Map(
      places.map((p) => [
        p.id,
        DateTime.local().setZone(p.timezone || "UTC").isValid ? p.timezone || "UTC" : "UTC",
      ]),
    );
    const dates = new Map<string, string>(); // most changes share a few moments (0, a sync)
    const dateOf = (ms: string, zone: string): string => {
      const key = `${zone} ${ms}`;
      let d = dates.get(key);
      if (d === undefined) dates.set(key, (d = DateTime.fromMillis(Number(ms), { zone }).toISODate()!));
      return d;
    };
    for (const r of rows) {
      out.get(r.place_id)?.push({
        userId: r.user_id,
        from: dateOf(r.effective_ms, zones.get(r.place_id) ?? "UTC"),
        expected: Number(r.expected) === 1,
      });
    }
    return out;
  }
}
