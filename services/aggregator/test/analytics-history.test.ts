// Rules and people over time, against hand-computed expectations on a real ClickHouse over gRPC:
// each day is judged by the rules in force on it, and a person counts only while the place lists
// them. The history is written the way the sync writes it (stores with the moment of each change),
// then the sync itself must add a version only when the place's rules really change.
import { lit, migrate, openTestClickHouse, sql, type OpenClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient } from "@biometricflow/grpc-kit";
import {
  AnalyticsServiceDefinition,
  AttendanceStatus as S,
  DayType,
  type Place,
  type TimesheetRow,
} from "@biometricflow/proto";
import { rowsOfBlock } from "../src/analytics/timesheet-format.js";
import { startAggregator, type RunningAggregator } from "../src/start-aggregator.js";
import { RulesHistoryStore } from "../src/store/rules-history-store.js";
import { UserStore } from "../src/store/user-store.js";
import { FakePlace, placeOf, userOf } from "./fake-place.js";
import { committedOffset, eventually, quietLog, testConfig } from "./helpers.js";

jest.setTimeout(60_000);

// Africa/Lagos is UTC+1 all year. Mon 2024-05-06 ... Sun 2024-05-12.
const lagos = (wall: string): number => Date.parse(`${wall}+01:00`);

// Until Wed 2024-05-08: 08:00-17:00, 10 min grace, 4 h, 60 min break, every day a work day.
const rulesA: NonNullable<Place["rules"]> = {
  shiftStart: "08:00",
  shiftEnd: "17:00",
  graceMinutes: 10,
  minHoursPresent: 4,
  weekendDays: [],
  holidays: [],
  breakMinutes: 60,
};
// Seen Wed 2024-05-08 06:30: 09:00-18:00, no grace, 8 h, 30 min break, Sundays off, Fri a holiday.
const rulesB: NonNullable<Place["rules"]> = {
  shiftStart: "09:00",
  shiftEnd: "18:00",
  graceMinutes: 0,
  minHoursPresent: 8,
  weekendDays: [0],
  holidays: ["2024-05-10"],
  breakMinutes: 30,
};

let ch: OpenClickHouse;
let shop: FakePlace;
let app: RunningAggregator;
let api: ReturnType<typeof createChannelClient<typeof AnalyticsServiceDefinition>>;

const versions = async (): Promise<number> => {
  const [r] = await ch.db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${ch.db.table("place_rules")} FINAL WHERE place_id = 'shop'`,
  );
  return Number(r!.n);
};

beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
  shop = new FakePlace(placeOf("shop", rulesB), 1);
  const [ann, cat, dan, eli, fay] = ["ann", "cat", "dan", "eli", "fay"].map((u) => userOf(u));
  shop.users = [ann!, cat!, dan!, eli!];
  const days = ["2024-05-06", "2024-05-07", "2024-05-08", "2024-05-09", "2024-05-10"];
  shop.append([
    // ann comes 08:55 and leaves 17:35 every day but the weekend.
    ...days.flatMap((d) => [
      { user: "ann", device: "door", local: `${d}T08:55:00` },
      { user: "ann", device: "door", local: `${d}T17:35:00` },
    ]),
    // 01:00 on Wed: after Tuesday's day ended under the old rules (00:30), before Wednesday's
    // would start under the new ones (01:30): Wednesday's, once.
    { user: "cat", device: "door", local: "2024-05-08T01:00:00" },
    // fay punches on Thursday, after she was removed: a row that day, no other after Monday.
    { user: "fay", device: "door", local: "2024-05-09T09:00:00" },
  ]);

  // The history as the sync records it: the first rules and list, then each change when seen.
  const rules = new RulesHistoryStore(ch.db);
  const users = new UserStore(ch.db);
  await rules.record({ ...shop.place, rules: rulesA }, lagos("2024-05-01T10:00:00"));
  await rules.record({ ...shop.place, rules: rulesB }, lagos("2024-05-08T06:30:00"));
  await users.replaceAll("shop", [ann!, cat!, dan!, fay!], lagos("2024-05-01T10:00:00"));
  await users.replaceAll("shop", [ann!, cat!, dan!], lagos("2024-05-07T15:00:00")); // fay leaves
  await users.replaceAll("shop", [ann!, cat!, dan!, eli!], lagos("2024-05-09T12:00:00")); // eli joins

  await shop.start();
  app = await startAggregator(testConfig([shop], { ingest: { refreshSeconds: 1 } }), ch.db, quietLog);
  api = createChannelClient(AnalyticsServiceDefinition, app.address);
  await eventually(
    () => committedOffset(ch.db, "shop"),
    (n) => n === shop.head,
  );
}, 60_000);

afterAll(async () => {
  api?.close();
  await app?.shutdown();
  await shop?.stop();
  await ch?.close();
});

const week = { placeIds: ["shop"], fromDate: "2024-05-06", toDate: "2024-05-12" };
const pick = (rows: TimesheetRow[], user: string, date: string): TimesheetRow | undefined =>
  rows.find((r) => r.userId === user && r.date === date);

test("each day by the rules in force on it: before, on and after the change", async () => {
  const { rows } = await api.client.getTimesheet({ scope: week, userIds: ["ann"] });
  const ann = (date: string) => pick(rows, "ann", date);
  // Tuesday, old rules: 55 min late beyond 10 min grace; 8 h 40 min - 60 break = 460, >= 4 h.
  expect(ann("2024-05-07")).toMatchObject({
    dayType: DayType.DAY_TYPE_WORKDAY,
    status: S.ATTENDANCE_STATUS_PRESENT,
    lateMinutes: 55,
    earlyLeaveMinutes: 0,
    workedMinutes: 460,
    overtimeMinutes: 0,
  });
  expect(ann("2024-05-06")).toEqual({
    ...ann("2024-05-07"),
    date: "2024-05-06",
    firstIn: "2024-05-06T08:55:00",
    lastOut: "2024-05-06T17:35:00",
  });
  // Wednesday, the day the change was seen, new rules: on time for 09:00, left 25 min before
  // 18:00; 520 - 30 break = 490, >= 8 h; scheduled 540 - 30 = 510, no overtime.
  expect(ann("2024-05-08")).toMatchObject({
    dayType: DayType.DAY_TYPE_WORKDAY,
    status: S.ATTENDANCE_STATUS_PRESENT,
    lateMinutes: 0,
    earlyLeaveMinutes: 25,
    workedMinutes: 490,
    overtimeMinutes: 0,
  });
  expect(ann("2024-05-09")).toMatchObject({ lateMinutes: 0, earlyLeaveMinutes: 25, workedMinutes: 490 });
  // Friday became a holiday: all 490 minutes are overtime. Sunday is now a weekend.
  expect(ann("2024-05-10")).toMatchObject({
    dayType: DayType.DAY_TYPE_HOLIDAY,
    status: S.ATTENDANCE_STATUS_OFF,
    overtimeMinutes: 490,
  });
  expect(ann("2024-05-11")).toMatchObject({
    dayType: DayType.DAY_TYPE_WORKDAY,
    status: S.ATTENDANCE_STATUS_ABSENT,
  });
  expect(ann("2024-05-12")).toMatchObject({
    dayType: DayType.DAY_TYPE_WEEKEND,
    status: S.ATTENDANCE_STATUS_OFF,
  });
});

test("a punch between the old day's end and the new day's start counts once, on the first new day", async () => {
  const { rows } = await api.client.getTimesheet({ scope: week, userIds: ["cat"] });
  expect(pick(rows, "cat", "2024-05-07")).toMatchObject({ status: S.ATTENDANCE_STATUS_ABSENT, punches: 0 });
  expect(pick(rows, "cat", "2024-05-08")).toMatchObject({
    status: S.ATTENDANCE_STATUS_INCOMPLETE,
    punches: 1,
    firstIn: "2024-05-08T01:00:00",
    missingOut: true,
  });
  const { cells } = await api.client.getPunchHeatmap({ scope: week, userIds: ["cat"] });
  expect(cells.reduce((n, c) => n + c.punches, 0)).toBe(1);
});

test("people count only while listed: joined, left, and a badge punching after leaving", async () => {
  const { rows } = await api.client.getTimesheet({ scope: week, userIds: ["dan", "eli", "fay"] });
  const days = (user: string) => rows.filter((r) => r.userId === user).map((r) => r.date);
  expect(days("dan")).toEqual([
    "2024-05-06",
    "2024-05-07",
    "2024-05-08",
    "2024-05-09",
    "2024-05-10",
    "2024-05-11",
    "2024-05-12",
  ]);
  // eli was added on Thursday at noon: expected from Thursday (absent), Friday a holiday.
  expect(days("eli")).toEqual(["2024-05-09", "2024-05-10", "2024-05-11", "2024-05-12"]);
  expect(pick(rows, "eli", "2024-05-09")).toMatchObject({ status: S.ATTENDANCE_STATUS_ABSENT });
  // fay was removed on Tuesday afternoon: Monday only, and the Thursday she punched anyway.
  expect(days("fay")).toEqual(["2024-05-06", "2024-05-09"]);
  expect(pick(rows, "fay", "2024-05-09")).toMatchObject({ punches: 1, userName: "fay" });

  // The daily summary counts the same people: Monday ann, cat, dan, fay; Thursday ann, cat, dan,
  // eli and fay (punched).
  const { days: summary } = await api.client.getDailySummary({ scope: week });
  expect(
    summary.map((d) => [d.date, d.dayType, d.people, d.present, d.absent, d.incomplete, d.holiday]),
  ).toEqual([
    ["2024-05-06", DayType.DAY_TYPE_WORKDAY, 4, 1, 3, 0, 0],
    ["2024-05-07", DayType.DAY_TYPE_WORKDAY, 3, 1, 2, 0, 0],
    ["2024-05-08", DayType.DAY_TYPE_WORKDAY, 3, 1, 1, 1, 0],
    ["2024-05-09", DayType.DAY_TYPE_WORKDAY, 5, 1, 3, 1, 0],
    ["2024-05-10", DayType.DAY_TYPE_HOLIDAY, 4, 0, 0, 0, 4],
    ["2024-05-11", DayType.DAY_TYPE_WORKDAY, 4, 0, 4, 0, 0],
    ["2024-05-12", DayType.DAY_TYPE_WEEKEND, 4, 0, 0, 0, 4],
  ]);
});

test("the export's compact blocks hold exactly GetTimesheet's rows", async () => {
  const { rows } = await api.client.getTimesheet({ scope: week });
  const exported: TimesheetRow[] = [];
  for await (const m of api.client.exportTimesheets({ scope: week })) exported.push(...rowsOfBlock(m.block!));
  expect(exported).toEqual(rows);
  expect(rows).toHaveLength(4 + 3 + 3 + 5 + 4 + 4 + 4);
});

test("the sync stores a new rules version only when the rules change", async () => {
  // Each sync saves the place (version = when, ms) and then records the rules; once a save newer
  // than another sync's is seen, that other sync's record is done (one loop per place).
  const lastSync = async (): Promise<number> => {
    const [r] = await ch.db.rows<{ v: string }>(
      sql`SELECT max(version) AS v FROM ${ch.db.table("places")} WHERE place_id = ${lit.string("shop")}`,
    );
    return Number(r!.v);
  };
  const twoMoreSyncs = async (): Promise<void> => {
    const first = await eventually(lastSync, (v) => v > Date.now() - 100);
    await eventually(lastSync, (v) => v > first);
  };
  // The place serves rules B, already the newest version: syncs come and go, no version is added.
  await twoMoreSyncs();
  expect(await versions()).toBe(2);

  shop.place.rules = { ...rulesB, graceMinutes: 5 };
  const before = Date.now();
  await eventually(versions, (n) => n === 3);
  const [newest] = await ch.db.rows<{ effective_ms: string; grace_minutes: number }>(
    sql`SELECT effective_ms, grace_minutes FROM ${ch.db.table("place_rules")} FINAL
      WHERE place_id = 'shop' ORDER BY effective_ms DESC LIMIT 1`,
  );
  expect(newest!.grace_minutes).toBe(5);
  expect(Number(newest!.effective_ms)).toBeGreaterThanOrEqual(before);
  await twoMoreSyncs();
  expect(await versions()).toBe(3);
  // Today's change leaves May 2024 as it was judged.
  const { rows } = await api.client.getTimesheet({ scope: week, userIds: ["ann"] });
  expect(pick(rows, "ann", "2024-05-07")).toMatchObject({ lateMinutes: 55 });
});

test("the sync records who left when it sees it: their past days stay theirs", async () => {
  const left = async (): Promise<{ effective_ms: string }[]> =>
    ch.db.rows(
      sql`SELECT effective_ms FROM ${ch.db.table("user_changes")} FINAL
        WHERE place_id = 'shop' AND user_id = 'eli' AND expected = 0`,
    );
  const before = Date.now();
  shop.users = shop.users.filter((u) => u.userId !== "eli");
  const [change] = await eventually(left, (rows) => rows.length === 1);
  expect(Number(change!.effective_ms)).toBeGreaterThanOrEqual(before);
  const { rows } = await api.client.getTimesheet({ scope: week, userIds: ["eli"] });
  expect(rows.map((r) => r.date)).toEqual(["2024-05-09", "2024-05-10", "2024-05-11", "2024-05-12"]);
});
