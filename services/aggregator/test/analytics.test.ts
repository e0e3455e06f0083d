// AnalyticsService over gRPC on a small known data set fed through the whole ingest path, against
// hand-computed expectations; bad requests; injection strings through every filter.
import { lit, migrate, openTestClickHouse, sql, type OpenClickHouse } from "@biometricflow/clickhouse";
import { createChannelClient } from "@biometricflow/grpc-kit";
import {
  AnalyticsServiceDefinition,
  AttendanceStatus as S,
  DayType,
  DeviceState,
  type AnalyticsScope,
  type TimesheetRow,
} from "@biometricflow/proto";
import { ClientError, Status } from "nice-grpc";
import { rowsOfBlock } from "../src/analytics/timesheet-format.js";
import { startAggregator, type RunningAggregator } from "../src/start-aggregator.js";
import { hqPlace, INJECTOR, nightPlace, ZOE } from "./analytics-dataset.js";
import type { FakePlace } from "./fake-place.js";
import { committedOffset, countFinal, eventually, quietLog, testConfig } from "./helpers.js";

// Real servers and processes: generous limits for a busy CI machine (waits are on conditions).
jest.setTimeout(60_000);

let ch: OpenClickHouse;
let hq: FakePlace;
let night: FakePlace;
let app: RunningAggregator;
let api: ReturnType<typeof createChannelClient<typeof AnalyticsServiceDefinition>>;

const count = async (table: "users" | "places" | "device_states", placeId: string): Promise<number> => {
  const [r] = await ch.db.rows<{ n: string }>(
    sql`SELECT count() AS n FROM ${ch.db.table(table)} FINAL WHERE place_id = ${lit.string(placeId)}`,
  );
  return Number(r!.n);
};

beforeAll(async () => {
  ch = await openTestClickHouse();
  await migrate(ch.db);
  hq = hqPlace();
  night = nightPlace();
  await hq.start();
  await night.start();
  app = await startAggregator(
    testConfig([hq, night], { analytics: { maxTimesheetRows: 30 } }),
    ch.db,
    quietLog,
  );
  api = createChannelClient(AnalyticsServiceDefinition, app.address);
  // Everything ingested, rules and people synced, device states stored.
  await eventually(
    () => committedOffset(ch.db, "hq"),
    (n) => n === hq.head,
  );
  await eventually(
    () => committedOffset(ch.db, "night"),
    (n) => n === night.head,
  );
  await eventually(
    () => count("users", "hq"),
    (n) => n === 6,
  );
  await eventually(
    () => count("users", "night"),
    (n) => n === 3,
  );
  await eventually(
    () => count("places", "night"),
    (n) => n === 1,
  );
  await eventually(
    () => count("places", "hq"),
    (n) => n === 1,
  );
  await eventually(
    () => count("device_states", "hq"),
    (n) => n === 3,
  );
}, 60_000);

afterAll(async () => {
  api?.close();
  await app?.shutdown();
  await hq?.stop();
  await night?.stop();
  await ch?.close();
});

const week: AnalyticsScope = { placeIds: ["hq"], fromDate: "2024-05-06", toDate: "2024-05-10" };
const pick = (rows: TimesheetRow[], user: string, date: string): TimesheetRow | undefined =>
  rows.find((r) => r.userId === user && r.date === date);

describe("timesheet", () => {
  test("every person every day, first in / last out across devices, by hand", async () => {
    const { rows } = await api.client.getTimesheet({ scope: week });
    expect(rows).toHaveLength(25); // 5 people (eve is disabled and never punched) x 5 days
    expect(rows.map((r) => `${r.date} ${r.userId}`).slice(0, 5)).toEqual([
      "2024-05-06 alice",
      "2024-05-06 bob",
      "2024-05-06 carol",
      "2024-05-06 dave",
      `2024-05-06 ${INJECTOR}`,
    ]);
    expect(pick(rows, "alice", "2024-05-06")).toEqual({
      placeId: "hq",
      userId: "alice",
      userName: "Alice Ade",
      date: "2024-05-06",
      dayType: DayType.DAY_TYPE_WORKDAY,
      status: S.ATTENDANCE_STATUS_PRESENT,
      firstIn: "2024-05-06T08:05:00",
      firstInDeviceId: "gate-1",
      lastOut: "2024-05-06T17:30:00",
      lastOutDeviceId: "gate-2",
      punches: 2,
      workedMinutes: 505,
      lateMinutes: 0,
      earlyLeaveMinutes: 0,
      overtimeMinutes: 25,
      missingOut: false,
    });
    expect(pick(rows, "bob", "2024-05-06")).toMatchObject({
      status: S.ATTENDANCE_STATUS_PRESENT,
      punches: 3,
      lateMinutes: 25,
      earlyLeaveMinutes: 30,
      workedMinutes: 425,
    });
    expect(pick(rows, "carol", "2024-05-06")).toMatchObject({
      status: S.ATTENDANCE_STATUS_INCOMPLETE,
      missingOut: true,
      firstIn: "2024-05-06T08:00:00",
      lastOut: "",
      workedMinutes: 0,
    });
    expect(pick(rows, "dave", "2024-05-06")).toMatchObject({
      status: S.ATTENDANCE_STATUS_ABSENT,
      punches: 0,
    });
    expect(pick(rows, "alice", "2024-05-07")).toMatchObject({
      punches: 2,
      workedMinutes: 485,
      overtimeMinutes: 5,
    });
    expect(pick(rows, "bob", "2024-05-07")).toMatchObject({
      lateMinutes: 0,
      earlyLeaveMinutes: 11,
      workedMinutes: 459,
    });
    expect(pick(rows, "dave", "2024-05-07")).toMatchObject({
      status: S.ATTENDANCE_STATUS_INCOMPLETE,
      missingOut: true,
      lateMinutes: 60,
      punches: 2,
    });
    expect(pick(rows, "alice", "2024-05-08")).toMatchObject({
      dayType: DayType.DAY_TYPE_HOLIDAY,
      status: S.ATTENDANCE_STATUS_OFF,
      workedMinutes: 180,
      overtimeMinutes: 180,
    });
    expect(pick(rows, "bob", "2024-05-08")).toMatchObject({ status: S.ATTENDANCE_STATUS_OFF, punches: 0 });
    expect(pick(rows, "carol", "2024-05-09")).toMatchObject({
      status: S.ATTENDANCE_STATUS_PRESENT,
      lastOut: "2024-05-10T00:20:00",
      workedMinutes: 920,
      overtimeMinutes: 440,
    });
    expect(pick(rows, "carol", "2024-05-10")).toMatchObject({
      status: S.ATTENDANCE_STATUS_ABSENT,
      punches: 0,
    });
  });

  test("overnight shifts are one working day", async () => {
    const { rows } = await api.client.getTimesheet({
      scope: { placeIds: ["night"], fromDate: "2024-05-06", toDate: "2024-05-07" },
    });
    expect(
      rows.map((r) => [r.date, r.userId, r.status, r.lateMinutes, r.earlyLeaveMinutes, r.workedMinutes]),
    ).toEqual([
      ["2024-05-06", "nina", S.ATTENDANCE_STATUS_PRESENT, 0, 0, 465],
      ["2024-05-06", "omar", S.ATTENDANCE_STATUS_PRESENT, 20, 60, 370],
      ["2024-05-06", ZOE, S.ATTENDANCE_STATUS_ABSENT, 0, 0, 0],
      ["2024-05-07", "nina", S.ATTENDANCE_STATUS_INCOMPLETE, 0, 0, 0],
      ["2024-05-07", "omar", S.ATTENDANCE_STATUS_ABSENT, 0, 0, 0],
      ["2024-05-07", ZOE, S.ATTENDANCE_STATUS_PRESENT, 0, 0, 452],
    ]);
    expect(pick(rows, "nina", "2024-05-06")).toMatchObject({
      firstIn: "2024-05-06T21:55:00",
      firstInDeviceId: "night-a",
      lastOut: "2024-05-07T06:10:00",
      lastOutDeviceId: "night-b",
      overtimeMinutes: 15,
    });
  });

  test("too many rows for one answer: INVALID_ARGUMENT pointing at ExportTimesheets, which streams them", async () => {
    const both = { ...week, placeIds: ["hq", "night"] };
    await expect(api.client.getTimesheet({ scope: both })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
      details: expect.stringMatching(/40 rows .*ExportTimesheets/),
    });
    const rows: TimesheetRow[] = [];
    for await (const m of api.client.exportTimesheets({ scope: both })) rows.push(...rowsOfBlock(m.block!));
    expect(rows).toHaveLength(40);
    expect(rows.filter((r) => r.placeId === "hq")).toEqual(
      (await api.client.getTimesheet({ scope: week })).rows,
    );
  });
});

describe("daily summary and trend", () => {
  test("per place and day, with devices", async () => {
    const { days } = await api.client.getDailySummary({ scope: week });
    expect(days.map((d) => d.date)).toEqual([
      "2024-05-06",
      "2024-05-07",
      "2024-05-08",
      "2024-05-09",
      "2024-05-10",
    ]);
    const [mon, tue, wed, thu, fri] = days;
    expect(mon).toEqual({
      placeId: "hq",
      date: "2024-05-06",
      dayType: DayType.DAY_TYPE_WORKDAY,
      people: 5,
      present: 2,
      absent: 2,
      late: 1,
      earlyLeave: 1,
      incomplete: 1,
      holiday: 0,
      punches: 6,
      devices: [
        {
          deviceId: "gate-1",
          deviceSerial: "SN-gate-1",
          punches: 4,
          people: 2,
          present: 2,
          incomplete: 0,
          late: 1,
          earlyLeave: 1,
        },
        {
          deviceId: "gate-2",
          deviceSerial: "SN-gate-2",
          punches: 2,
          people: 2,
          present: 0,
          incomplete: 1,
          late: 0,
          earlyLeave: 0,
        },
      ],
    });
    expect(tue).toMatchObject({ present: 3, incomplete: 1, absent: 1, late: 1, earlyLeave: 1, punches: 8 });
    expect(tue!.devices).toEqual([
      {
        deviceId: "gate-1",
        deviceSerial: "SN-gate-1",
        punches: 5,
        people: 3,
        present: 2,
        incomplete: 1,
        late: 1,
        earlyLeave: 0,
      },
      {
        deviceId: "gate-2",
        deviceSerial: "SN-gate-2",
        punches: 3,
        people: 2,
        present: 1,
        incomplete: 0,
        late: 0,
        earlyLeave: 1,
      },
    ]);
    expect(wed).toMatchObject({
      dayType: DayType.DAY_TYPE_HOLIDAY,
      holiday: 5,
      present: 0,
      absent: 0,
      punches: 2,
    });
    expect(thu).toMatchObject({ present: 1, absent: 4, punches: 2 });
    expect(fri).toMatchObject({ present: 0, absent: 5, punches: 0, devices: [] });
  });

  test("attendance rate per day, per place and overall", async () => {
    const { places, overall } = await api.client.getAttendanceTrend({ scope: week });
    expect(places.map((p) => [p.date, p.expected, p.attended, p.rate])).toEqual([
      ["2024-05-06", 5, 3, 0.6],
      ["2024-05-07", 5, 4, 0.8],
      ["2024-05-08", 0, 0, 0],
      ["2024-05-09", 5, 1, 0.2],
      ["2024-05-10", 5, 0, 0],
    ]);
    const both = await api.client.getAttendanceTrend({ scope: { ...week, placeIds: [] } });
    // night on Mon: nina and omar came, zoë did not: (3 + 2) / (5 + 3).
    expect(both.overall[0]).toMatchObject({
      placeId: "",
      date: "2024-05-06",
      expected: 8,
      attended: 5,
      rate: 5 / 8,
    });
    expect(overall).toHaveLength(5);
  });
});

describe("heatmap, device health, exports", () => {
  test("punch heatmap by weekday and wall-clock hour, replays counted once", async () => {
    const { cells, total } = await api.client.getPunchHeatmap({ scope: week });
    expect(cells).toHaveLength(168);
    expect(total).toBe(18);
    const at = (weekday: number, hour: number) =>
      cells.find((c) => c.weekday === weekday && c.hour === hour)!.punches;
    expect(at(1, 8)).toBe(4);
    expect(at(2, 17)).toBe(2);
    expect(at(5, 0)).toBe(1); // carol's 00:20 on Friday's calendar
    expect((await api.client.getPunchHeatmap({ scope: week, deviceIds: ["gate-2"] })).total).toBe(5);
  });

  test("device health: the day's state changes, live 23 of 24 hours, one failure", async () => {
    const { devices } = await api.client.getDeviceHealth({ scope: { ...week, toDate: "2024-05-06" } });
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ placeId: "hq", deviceId: "gate-1", failures: 1 });
    expect(devices[0]!.liveShare).toBeCloseTo(23 / 24);
    expect(devices[0]!.changes.map((c) => [c.state, c.since?.toISOString()])).toEqual([
      [DeviceState.DEVICE_STATE_LIVE, "2024-05-05T23:00:00.000Z"],
      [DeviceState.DEVICE_STATE_BACKING_OFF, "2024-05-06T11:00:00.000Z"],
      [DeviceState.DEVICE_STATE_LIVE, "2024-05-06T12:00:00.000Z"],
    ]);
  });

  test("export punches: every distinct punch, ordered, in batches", async () => {
    const punches = [];
    for await (const m of api.client.exportPunches({ scope: week })) punches.push(...m.punches);
    expect(punches).toHaveLength(18);
    expect(punches[0]).toMatchObject({ placeId: "hq", userId: "carol", localTime: "2024-05-06T08:00:00" });
    expect(punches[0]!.punchedAt?.toISOString()).toBe("2024-05-06T07:00:00.000Z");
    const times = punches.map((p) => p.localTime);
    expect([...times].sort()).toEqual(times);
  });
});

describe("bad requests", () => {
  const cases: [string, AnalyticsScope | undefined, Status, RegExp][] = [
    ["no scope", undefined, Status.INVALID_ARGUMENT, /from_date is required/],
    [
      "inverted range",
      { ...week, fromDate: "2024-05-10", toDate: "2024-05-06" },
      Status.INVALID_ARGUMENT,
      /is after/,
    ],
    [
      "huge range",
      { ...week, fromDate: "2023-01-01", toDate: "2024-05-06" },
      Status.INVALID_ARGUMENT,
      /at most 366/,
    ],
    ["not a date", { ...week, fromDate: "2024-02-30" }, Status.INVALID_ARGUMENT, /not a calendar date/],
    [
      "date injection",
      { ...week, toDate: "2024-05-10' OR '1'='1" },
      Status.INVALID_ARGUMENT,
      /not a calendar date/,
    ],
    [
      "unknown place",
      { ...week, placeIds: ["nowhere"] },
      Status.NOT_FOUND,
      /"nowhere" is not followed.*known: hq, night/,
    ],
    ["bad place id", { ...week, placeIds: [INJECTOR] }, Status.INVALID_ARGUMENT, /is not a place id/],
    [
      "before 1970",
      { ...week, fromDate: "1969-12-31", toDate: "1970-01-05" },
      Status.INVALID_ARGUMENT,
      /1969-12-31 is outside 1970-01-02\.\.2105-12-31/,
    ],
    [
      "after 2105",
      { ...week, fromDate: "2200-01-01", toDate: "2200-01-02" },
      Status.INVALID_ARGUMENT,
      /outside .* the dates analytics can hold/,
    ],
  ];
  const drain = async (stream: AsyncIterable<unknown>): Promise<void> => {
    for await (const _ of stream);
  };
  test.each(cases)("%s", async (_name, scope, code, message) => {
    for (const call of [
      () => api.client.getTimesheet({ scope }),
      () => api.client.getDailySummary({ scope }),
      () => api.client.getAttendanceTrend({ scope }),
      () => api.client.getPunchHeatmap({ scope }),
      () => api.client.getDeviceHealth({ scope }),
      () => drain(api.client.exportPunches({ scope })),
      () => drain(api.client.exportTimesheets({ scope })),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ClientError);
      expect(err).toMatchObject({ code, details: expect.stringMatching(message) });
    }
  });

  test("bad ids in filters", async () => {
    for (const userIds of [[""], ["a\nb"], ["x".repeat(65)]]) {
      await expect(api.client.getTimesheet({ scope: week, userIds })).rejects.toMatchObject({
        code: Status.INVALID_ARGUMENT,
        details: expect.stringMatching(/user_ids\[0\] .* is not an id/),
      });
    }
    await expect(api.client.getPunchHeatmap({ scope: week, deviceIds: ["\u0000"] })).rejects.toMatchObject({
      code: Status.INVALID_ARGUMENT,
    });
  });
});

describe("injection strings through every filter", () => {
  const strings = [
    INJECTOR,
    "\\'",
    "' OR ''='",
    "\\\\' OR 1=1 --",
    "a') OR ('1'='1",
    "alice' --",
    "%",
    "1; DROP TABLE punches",
    "Zoë 🙂 '\\\" --",
    "${x}?:p{p:String}",
  ];

  test.each(strings)("%j only ever matches itself", async (s) => {
    const own = s === INJECTOR ? 5 : 0; // the injector is a real person: 5 rows, 2 punches
    const sheet = await api.client.getTimesheet({ scope: week, userIds: [s] });
    expect(sheet.rows).toHaveLength(own);
    expect(sheet.rows.every((r) => r.userId === s)).toBe(true);
    const exported = [];
    for await (const m of api.client.exportTimesheets({ scope: week, userIds: [s] }))
      exported.push(...rowsOfBlock(m.block!));
    expect(exported).toHaveLength(own);

    const heat = await api.client.getPunchHeatmap({ scope: week, userIds: [s] });
    expect(heat.total).toBe(s === INJECTOR ? 2 : 0);
    expect((await api.client.getPunchHeatmap({ scope: week, deviceIds: [s] })).total).toBe(0);

    const punches = [];
    for await (const m of api.client.exportPunches({ scope: week, userIds: [s] })) punches.push(...m.punches);
    for await (const m of api.client.exportPunches({ scope: week, deviceIds: [s] }))
      punches.push(...m.punches);
    expect(punches.every((p) => p.userId === s)).toBe(true);
    expect(punches).toHaveLength(s === INJECTOR ? 2 : 0);

    expect((await api.client.getDeviceHealth({ scope: week, deviceIds: [s] })).devices).toEqual([]);
    for (const call of [
      () => api.client.getDailySummary({ scope: { ...week, placeIds: [s] } }),
      () => api.client.getAttendanceTrend({ scope: { ...week, placeIds: [s] } }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
    }
    const live = api.client.streamPunches({ placeIds: [s] })[Symbol.asyncIterator]();
    await expect(live.next()).rejects.toMatchObject({ code: Status.INVALID_ARGUMENT });
  });

  test("nothing was changed by them", async () => {
    expect(await countFinal(ch.db, "hq")).toBe(18);
    expect(await countFinal(ch.db, "night")).toBe(7);
  });
});
