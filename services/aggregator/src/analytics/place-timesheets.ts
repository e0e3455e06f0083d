import type { ClickHouseDb } from "@biometricflow/clickhouse";
import { eachDay } from "../rules/calendar.js";
import { Membership } from "../rules/membership.js";
import { RulesTimeline } from "../rules/rules-timeline.js";
import { timesheetDay, type TimesheetDay } from "../rules/timesheet-day.js";
import type { RulesHistoryStore } from "../store/rules-history-store.js";
import type { UserStore } from "../store/user-store.js";
import type { KnownPlace } from "../sync/place-book.js";
import { personDays, punchers } from "./person-days-query.js";

/** Rows per ClickHouse round trip: bounds memory however long the range or large the place. */
const CHUNK_ROWS = 50_000;

export interface SheetRow {
  userId: string;
  userName: string;
  day: TimesheetDay;
}

/** Some consecutive days of one place: rows ordered by day, then user id. */
export interface SheetChunk {
  days: string[];
  rows: SheetRow[];
}

export interface SheetSources {
  db: ClickHouseDb;
  users: UserStore;
  rulesHistory: RulesHistoryStore;
}

/**
 * One place's timesheets over work days from..to: a row per person and day, each day judged by
 * the rules in force on it. A day's people are those the place expected that day (listed and
 * enabled: not before they joined, not after they left) plus anyone who punched on it (a badge
 * the place does not list still shows up), so absent days are rows too.
 */
export class PlaceTimesheets {
  private constructor(
    private readonly db: ClickHouseDb,
    readonly known: KnownPlace,
    readonly timeline: RulesTimeline,
    readonly days: readonly string[],
    private readonly membership: Membership,
    private readonly names: ReadonlyMap<string, string>,
    private readonly userIds: readonly string[],
  ) {}

  static async open(
    s: SheetSources,
    known: KnownPlace,
    from: string,
    to: string,
    userIds: readonly string[],
  ): Promise<PlaceTimesheets> {
    const { id, timezone } = known.place;
    const [listed, changes, timelines] = await Promise.all([
      s.users.people(id, userIds),
      s.users.changes(id, timezone, userIds),
      s.rulesHistory.timelines([id]),
    ]);
    // Before any version is stored (a place just reached), its current rules are all there is.
    const timeline = timelines.get(id) ?? RulesTimeline.constant(known.rules);
    const names = new Map(listed.map((p) => [p.userId, p.name]));
    return new PlaceTimesheets(
      s.db,
      known,
      timeline,
      eachDay(from, to),
      new Membership(changes),
      names,
      userIds,
    );
  }

  private get from(): string {
    return this.days[0]!;
  }

  private get to(): string {
    return this.days[this.days.length - 1]!;
  }

  /** At most this many rows: everyone expected or punching in the range, on every day. */
  async rowBound(): Promise<{ rows: number; people: number }> {
    const punched = await punchers(
      this.db,
      this.known.place.id,
      this.timeline.segments(this.from, this.to),
      this.userIds,
    );
    const people = new Set([...this.membership.expectedDuring(this.from, this.to), ...punched]).size;
    return { rows: people * this.days.length, people };
  }

  /** Rows ordered by day then user id, a few days at a time. */
  async *chunks(): AsyncGenerator<SheetChunk> {
    const expected = this.membership.expectedDuring(this.from, this.to);
    const step = Math.max(1, Math.floor(CHUNK_ROWS / Math.max(1, expected.length)));
    for (let i = 0; i < this.days.length; i += step) {
      const days = this.days.slice(i, i + step);
      const byDay = await personDays(
        this.db,
        this.known.place.id,
        this.timeline.segments(days[0]!, days[days.length - 1]!),
        this.userIds,
      );
      const everyone = new Set(expected);
      for (const people of byDay.values()) for (const userId of people.keys()) everyone.add(userId);
      const sorted = [...everyone].sort();
      const rows: SheetRow[] = [];
      for (const date of days) {
        const rules = this.timeline.on(date);
        const punches = byDay.get(date);
        for (const userId of sorted) {
          const p = punches?.get(userId);
          if (!p && !this.membership.expectedOn(userId, date)) continue;
          rows.push({ userId, userName: this.names.get(userId) ?? "", day: timesheetDay(date, p, rules) });
        }
      }
      yield { days, rows };
    }
  }
}
