import type { ClickHouseDb } from "@biometricflow/clickhouse";
import type { TimesheetRow } from "@biometricflow/proto";
import { eachDay } from "../rules/calendar.js";
import { timesheetDay } from "../rules/timesheet-day.js";
import type { UserStore } from "../store/user-store.js";
import type { KnownPlace } from "../sync/place-book.js";
import { personDays, punchers } from "./person-days-query.js";

/** Rows per ClickHouse round trip: bounds memory however long the range or large the place. */
const CHUNK_ROWS = 50_000;

/**
 * One place's timesheets over work days from..to: a row per person and day. The people are the
 * place's expected users plus anyone who punched in the range (a badge the place no longer
 * lists still shows up), so absent days are rows too.
 */
export class PlaceTimesheets {
  private constructor(
    private readonly db: ClickHouseDb,
    readonly known: KnownPlace,
    readonly days: readonly string[],
    private readonly people: readonly { userId: string; name: string }[],
    private readonly userIds: readonly string[],
  ) {}

  static async open(
    db: ClickHouseDb,
    users: UserStore,
    known: KnownPlace,
    from: string,
    to: string,
    userIds: readonly string[],
  ): Promise<PlaceTimesheets> {
    const id = known.place.id;
    const [listed, punched] = await Promise.all([
      users.people(id, userIds),
      punchers(db, id, known.rules, from, to, userIds),
    ]);
    const names = new Map(listed.map((p) => [p.userId, p.name]));
    const ids = new Set([...listed.filter((p) => p.expected).map((p) => p.userId), ...punched]);
    const people = [...ids].sort().map((userId) => ({ userId, name: names.get(userId) ?? "" }));
    return new PlaceTimesheets(db, known, eachDay(from, to), people, userIds);
  }

  get rowCount(): number {
    return this.people.length * this.days.length;
  }

  get peopleCount(): number {
    return this.people.length;
  }

  /** Rows ordered by day then user id, a few days at a time. */
  async *chunks(): AsyncGenerator<{ days: string[]; rows: TimesheetRow[] }> {
    const step = Math.max(1, Math.floor(CHUNK_ROWS / Math.max(1, this.people.length)));
    const { place, rules } = this.known;
    for (let i = 0; i < this.days.length; i += step) {
      const days = this.days.slice(i, i + step);
      const byDay = await personDays(
        this.db,
        place.id,
        rules,
        days[0]!,
        days[days.length - 1]!,
        this.userIds,
      );
      const rows: TimesheetRow[] = [];
      for (const date of days) {
        const punches = byDay.get(date);
        for (const p of this.people) {
          rows.push({
            placeId: place.id,
            userId: p.userId,
            userName: p.name,
            ...timesheetDay(date, punches?.get(p.userId), rules),
          });
        }
      }
      yield { days, rows };
    }
  }
}
