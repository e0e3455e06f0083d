import type { ClickHouseDb } from "@biometricflow/clickhouse";
import { dayNumber, eachDay } from "../rules/calendar.js";
import { Membership } from "../rules/membership.js";
import { RulesTimeline } from "../rules/rules-timeline.js";
import {
  dayPlan,
  emptyTimesheetDay,
  judgeDay,
  type PersonDayPunches,
  type TimesheetDay,
} from "../rules/timesheet-day.js";
import type { RulesHistoryStore } from "../store/rules-history-store.js";
import type { UserStore } from "../store/user-store.js";
import type { KnownPlace } from "../sync/place-book.js";
import { personDays, punchers, type PersonDays } from "./person-days-query.js";

/** Rows per ClickHouse round trip: bounds memory however long the range or large the place. */
const CHUNK_ROWS = 50_000;

/** Some consecutive days of one place. */
export interface SheetChunk {
  days: string[];
  /** The people who may have rows in the chunk, sorted by id, and their names. */
  userIds: string[];
  userNames: string[];
  /** How many rows forEachRow visits. */
  rows: number;
  /**
   * Each row, ordered by day then user id: the person (index into userIds), the day (index into
   * days) and the person's day under the rules in force on it. Rows are computed as they are
   * visited into one reused object, valid only during the visit (copy it to keep it): a month of
   * a large place is hundreds of thousands of rows.
   */
  forEachRow(visit: (user: number, day: number, row: TimesheetDay) => void): void;
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

  /** Each place's timesheets over from..to (the people and rules of all of them in three queries). */
  static async openAll(
    s: SheetSources,
    places: readonly KnownPlace[],
    from: string,
    to: string,
    userIds: readonly string[],
  ): Promise<PlaceTimesheets[]> {
    const ids = places.map((k) => k.place.id);
    const [listed, changes, timelines] = await Promise.all([
      s.users.people(ids, userIds),
      s.users.changes(
        places.map((k) => ({ id: k.place.id, timezone: k.place.timezone })),
        userIds,
      ),
      s.rulesHistory.timelines(ids),
    ]);
    const days = eachDay(from, to);
    return places.map((known) => {
      const { id } = known.place;
      // Before any version is stored (a place just reached), its current rules are all there is.
      const timeline = timelines.get(id) ?? RulesTimeline.constant(known.rules);
      const names = new Map((listed.get(id) ?? []).map((p) => [p.userId, p.name]));
      return new PlaceTimesheets(
        s.db,
        known,
        timeline,
        days,
        new Membership(changes.get(id) ?? []),
        names,
        userIds,
      );
    });
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

  /** The range a few days at a time (one ClickHouse round trip each). */
  async *chunks(): AsyncGenerator<SheetChunk> {
    const expected = this.membership.expectedDuring(this.from, this.to);
    const step = Math.max(1, Math.floor(CHUNK_ROWS / Math.max(1, expected.length)));
    for (let i = 0; i < this.days.length; i += step) {
      const days = this.days.slice(i, i + step);
      const punched = await personDays(
        this.db,
        this.known.place.id,
        this.timeline.segments(days[0]!, days[days.length - 1]!),
        this.userIds,
      );
      yield this.chunk(days, [...new Set([...expected, ...punched.users])].sort(), punched);
    }
  }

  /**
   * Day-major grid (day d, person u at d * people + u) of what each cell holds: 0 no row, 1 an
   * expected person without punches, i + 2 row i of the person-days.
   */
  private chunk(days: string[], userIds: string[], punched: PersonDays): SheetChunk {
    const n = userIds.length;
    const first = dayNumber(days[0]!)!;
    const expected = new Uint8Array(n * days.length);
    const cells = new Int32Array(n * days.length);
    userIds.forEach((userId, u) => this.membership.fillExpected(userId, days, expected, u, n));
    const column = new Map(userIds.map((id, u) => [id, u]));
    const users = punched.users.map((id) => column.get(id)!);
    for (let i = 0; i < punched.rows; i++) {
      const d = punched.day[i]! - first;
      if (d >= 0 && d < days.length) cells[d * n + users[punched.user[i]!]!] = i + 2;
    }
    let rows = 0;
    for (let at = 0; at < cells.length; at++) {
      if (cells[at] === 0 && expected[at]) cells[at] = 1;
      if (cells[at] !== 0) rows++;
    }
    const { timeline } = this;
    return {
      days,
      userIds,
      userNames: userIds.map((id) => this.names.get(id) ?? ""),
      rows,
      forEachRow(visit) {
        const p: PersonDayPunches = {
          punches: 0,
          firstWall: 0,
          firstDevice: "",
          lastWall: 0,
          lastDevice: "",
          elapsedSeconds: 0,
        };
        const row = emptyTimesheetDay();
        days.forEach((date, d) => {
          const plan = dayPlan(date, timeline.on(date));
          // Everyone without punches has the same day (absent, or off).
          const none = judgeDay(plan, undefined, emptyTimesheetDay());
          for (let u = 0, at = d * n; u < n; u++, at++) {
            const cell = cells[at]!;
            if (cell >= 2) visit(u, d, judgeDay(plan, punched.readRow(cell - 2, p), row));
            else if (cell === 1) visit(u, d, none);
          }
        });
      },
    };
  }
}
