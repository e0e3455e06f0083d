import { Privilege, encodeAttendance, encodeUser, wallClockToSeconds } from "../../src/protocol/index.js";
import {
  ARRIVAL_WINDOW,
  DEPARTURE_WINDOW,
  NIGHT_ARRIVAL_WINDOW,
  PunchState,
  VerifyMethod,
  deviceIdentity,
  generateDeviceData,
  type GenerateOptions,
} from "../../src/simulator/index.js";

const END = "2024-06-14T19:30:00"; // a Friday evening
const base: GenerateOptions = { seed: 42, deviceIndex: 0, users: 60, records: 6_000, end: END };
const data = generateDeviceData(base);

const secondsOfDay = (ts: string) => wallClockToSeconds(ts) % 86400;
const weekday = (ts: string) => new Date(`${ts.slice(0, 10)}T00:00:00Z`).getUTCDay();

describe("determinism", () => {
  test("same seed and device index: identical data; another device or seed: different", () => {
    expect(generateDeviceData(base)).toEqual(data);
    expect(generateDeviceData({ ...base, deviceIndex: 1 }).records).not.toEqual(data.records);
    expect(generateDeviceData({ ...base, seed: 43 }).users).not.toEqual(data.users);
  });

  test("a shorter log is the newest part of a longer one (each day has its own stream)", () => {
    const short = generateDeviceData({ ...base, records: 1_000 });
    expect(short.records).toEqual(data.records.slice(-1_000));
  });

  test("device identity is stable per (seed, index) and distinct across devices", () => {
    expect(deviceIdentity(7, 3)).toEqual(deviceIdentity(7, 3));
    const serials = new Set(Array.from({ length: 1000 }, (_, i) => deviceIdentity(7, i).serialNumber));
    expect(serials.size).toBe(1000);
    expect(deviceIdentity(7, 3).mac).toMatch(/^00:17:61(:[0-9A-F]{2}){3}$/);
  });
});

describe("people", () => {
  test("uids 1..U, user ids 1001.., a few admins, some cards, all encodable in both layouts", () => {
    expect(data.users.map((u) => u.uid)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(data.users.map((u) => u.userId)).toEqual(Array.from({ length: 60 }, (_, i) => String(1001 + i)));
    expect(data.users.filter((u) => u.privilege === Privilege.admin)).toHaveLength(2);
    expect(data.users.some((u) => u.card > 0)).toBe(true);
    for (const u of data.users) expect(encodeUser(u, 72)).toHaveLength(72);
  });

  test("old profile: numeric ids and names that fit 28-byte records", () => {
    const old = generateDeviceData({ ...base, profile: "old", records: 500 });
    for (const u of old.users) expect(encodeUser(u, 28)).toHaveLength(28);
    for (const r of old.records) expect(encodeAttendance(r, 16)).toHaveLength(16);
    expect(old.records.some((r) => r.verify === VerifyMethod.face)).toBe(false);
  });
});

describe("punches", () => {
  const records = data.records;

  test("exactly R records, chronological, the newest at or before the device clock", () => {
    expect(records).toHaveLength(6_000);
    const times = records.map((r) => wallClockToSeconds(r.timestamp));
    expect(times.filter((t, i) => i > 0 && t < times[i - 1]!)).toEqual([]);
    expect(times.at(-1)!).toBeLessThanOrEqual(wallClockToSeconds(END));
    expect(END.slice(0, 10) >= records.at(-1)!.timestamp.slice(0, 10)).toBe(true);
  });

  test("day shifts: arrivals 07:50-09:16, departures 16:30-18:32, nobody on weekends", () => {
    const night = new Set(data.people.filter((p) => p.shift === "night").map((p) => p.user.uid));
    const firstOfDay = new Map<string, string>();
    const outside: string[] = [];
    for (const r of records) {
      if (night.has(r.uid)) continue;
      if ([0, 6].includes(weekday(r.timestamp))) outside.push(`weekend ${r.timestamp}`);
      const key = `${r.uid} ${r.timestamp.slice(0, 10)}`;
      if (!firstOfDay.has(key)) firstOfDay.set(key, r.timestamp);
      const t = secondsOfDay(r.timestamp);
      if (t >= 15 * 3600 && (t < DEPARTURE_WINDOW.from || t >= DEPARTURE_WINDOW.to)) {
        outside.push(`departure ${r.timestamp}`);
      }
    }
    // The oldest day may start mid-day (the log was cut there); skip it.
    const oldestDay = records[0]!.timestamp.slice(0, 10);
    for (const ts of firstOfDay.values()) {
      const t = secondsOfDay(ts);
      if (!ts.startsWith(oldestDay) && (t < ARRIVAL_WINDOW.from || t >= ARRIVAL_WINDOW.to)) {
        outside.push(`arrival ${ts}`);
      }
    }
    expect(outside).toEqual([]);
    expect(firstOfDay.size).toBeGreaterThan(1000);
  });

  test("night shifts arrive around 22:00 and leave the next morning around 06:00", () => {
    const nightPeople = data.people.filter((p) => p.shift === "night").map((p) => p.user.uid);
    expect(nightPeople.length).toBeGreaterThan(0);
    const theirs = records.filter((r) => nightPeople.includes(r.uid));
    for (const r of theirs) {
      const t = secondsOfDay(r.timestamp);
      const evening = t >= NIGHT_ARRIVAL_WINDOW.from && t < NIGHT_ARRIVAL_WINDOW.to + 60;
      const morning = t >= 5 * 3600 + 40 * 60 && t < 6 * 3600 + 25 * 60;
      expect(evening || morning).toBe(true);
    }
    expect(theirs.some((r) => secondsOfDay(r.timestamp) < 12 * 3600)).toBe(true);
  });

  test("realistic noise: absences, late days, double taps, odd states, face and card verifies", () => {
    const perDay = new Map<string, number>();
    for (const r of records)
      perDay.set(r.timestamp.slice(0, 10), (perDay.get(r.timestamp.slice(0, 10)) ?? 0) + 1);
    const doubleTaps = records.filter((r, i) =>
      records
        .slice(Math.max(0, i - 40), i)
        .some(
          (p) => p.uid === r.uid && wallClockToSeconds(r.timestamp) - wallClockToSeconds(p.timestamp) < 60,
        ),
    );
    expect(doubleTaps.length).toBeGreaterThan(0);
    const late = records.filter((r) => {
      const t = secondsOfDay(r.timestamp);
      return r.punch === PunchState.in && t > 8 * 3600 + 50 * 60 && t < ARRIVAL_WINDOW.to;
    });
    expect(late.length).toBeGreaterThan(0);
    const states = new Set(records.map((r) => r.punch));
    expect(states).toEqual(new Set([0, 1, 2, 3, 255]));
    const share = (v: number) => records.filter((r) => r.verify === v).length / records.length;
    expect(share(VerifyMethod.fingerprint)).toBeGreaterThan(0.6);
    expect(share(VerifyMethod.face)).toBeGreaterThan(0);
    expect(share(VerifyMethod.card)).toBeGreaterThan(0);
    // Absences: on a full weekday not every one of the 60 people punched in.
    const fullDays = [...perDay.entries()].filter(([d]) => ![0, 6].includes(weekday(`${d}T00:00:00`)));
    const presentCounts = fullDays
      .slice(1, -1)
      .map(([d]) => new Set(records.filter((r) => r.timestamp.startsWith(d)).map((r) => r.uid)).size);
    expect(Math.min(...presentCounts)).toBeLessThan(60);
  });

  test("records need users; zero records is fine", () => {
    expect(() => generateDeviceData({ ...base, users: 0 })).toThrow(RangeError);
    expect(generateDeviceData({ ...base, records: 0 }).records).toEqual([]);
  });
});
