import { IANAZone } from "luxon";
import { parseWallClock, wallClockToUtcMs } from "../src/time/local-time.js";
import { cachedZone } from "../src/time/zone-offsets.js";
import { timezoneProblem } from "../src/time/timezone.js";

const utc = (local: string, zone: string): string =>
  new Date(wallClockToUtcMs(parseWallClock(local)!.asUtcMs, IANAZone.create(zone))).toISOString();

describe("parseWallClock", () => {
  test("accepts the T and the space spelling, and stores one", () => {
    expect(parseWallClock("2024-05-06T08:01:02")?.text).toBe("2024-05-06T08:01:02");
    expect(parseWallClock("2024-05-06 08:01:02")?.text).toBe("2024-05-06T08:01:02");
  });

  test.each([
    "2024-02-30T08:00:00",
    "2023-02-29T08:00:00",
    "2024-13-01T08:00:00",
    "2024-05-06T24:00:00",
    "2024-05-06T08:60:00",
    "2024-05-06T08:00",
    "2024-05-06T08:00:00Z",
    "1969-12-31T23:59:59",
    "",
    "garbage",
  ])("refuses %p", (text) => expect(parseWallClock(text)).toBeUndefined());

  test("accepts a leap day", () => expect(parseWallClock("2024-02-29T12:00:00")).toBeDefined());
});

describe("wallClockToUtcMs", () => {
  test("an ordinary time uses the zone's offset", () => {
    expect(utc("2024-05-06T08:00:00", "Africa/Lagos")).toBe("2024-05-06T07:00:00.000Z");
    expect(utc("2024-01-15T08:00:00", "Europe/Berlin")).toBe("2024-01-15T07:00:00.000Z");
    expect(utc("2024-07-15T08:00:00", "Europe/Berlin")).toBe("2024-07-15T06:00:00.000Z");
  });

  test("a time that happens twice (clocks fall back) is the earlier instant", () => {
    // Berlin 2024-10-27: 03:00 CEST -> 02:00 CET, so 02:30 happens at 00:30Z and at 01:30Z.
    expect(utc("2024-10-27T02:30:00", "Europe/Berlin")).toBe("2024-10-27T00:30:00.000Z");
    // New York 2024-11-03: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect(utc("2024-11-03T01:30:00", "America/New_York")).toBe("2024-11-03T05:30:00.000Z");
    // Either side of the overlap is unambiguous.
    expect(utc("2024-10-27T01:59:59", "Europe/Berlin")).toBe("2024-10-26T23:59:59.000Z");
    expect(utc("2024-10-27T03:00:00", "Europe/Berlin")).toBe("2024-10-27T02:00:00.000Z");
  });

  test("a time that never happens (clocks spring forward) uses the offset from before the gap", () => {
    // Berlin 2024-03-31: 02:00 CET -> 03:00 CEST; 02:30 read as CET (+01:00).
    expect(utc("2024-03-31T02:30:00", "Europe/Berlin")).toBe("2024-03-31T01:30:00.000Z");
    expect(utc("2024-03-10T02:30:00", "America/New_York")).toBe("2024-03-10T07:30:00.000Z");
    // Lord Howe moves by 30 minutes: 02:00 -> 02:30 on 2024-10-06 (+10:30 -> +11:00).
    expect(utc("2024-10-06T02:15:00", "Australia/Lord_Howe")).toBe("2024-10-05T15:45:00.000Z");
  });

  test("the cached zone agrees with luxon's exact one every minute from 00:00 to 04:00 of a DST year", () => {
    const exact = IANAZone.create("Europe/Berlin");
    const cached = cachedZone("Europe/Berlin");
    const differ = [];
    // Exact luxon is slow, so each day from 00:00 to 04:00 wall-clock, where transitions happen.
    for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2025, 0, 1); day += 86_400_000) {
      for (let t = day; t < day + 4 * 3_600_000; t += 60_000) {
        if (wallClockToUtcMs(t, cached) !== wallClockToUtcMs(t, exact))
          differ.push(new Date(t).toISOString());
      }
    }
    expect(differ).toEqual([]);
  });

  test("is monotonic across a whole DST year, minute by minute, except once after the overlap", () => {
    const zone = cachedZone("Europe/Berlin");
    let previous = -Infinity;
    let backwards = 0;
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += 60_000) {
      const instant = wallClockToUtcMs(t, zone);
      if (instant < previous) backwards++;
      previous = instant;
    }
    expect(backwards).toBe(1); // once: 03:00 after the repeated hour maps to 02:00Z, before 02:59 -> 00:59Z
  });
});

describe("timezoneProblem", () => {
  test.each(["Africa/Lagos", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Asia/Kolkata"])(
    "accepts %p",
    (z) => expect(timezoneProblem(z, false)).toBeUndefined(),
  );

  test.each(["UTC", "Etc/UTC", "Etc/GMT+1", "GMT", "Universal", "Zulu", "UCT", "Greenwich"])(
    "refuses the placeholder %p, saying why, unless allowed",
    (z) => {
      expect(timezoneProblem(z, false)).toMatch(/placeholder.*correction loops.*allowUtcTimezone/s);
      expect(timezoneProblem(z, true)).toBeUndefined();
    },
  );

  test.each(["Mars/Olympus", "+01:00", "Europe/Berln", ""])(
    "refuses the non-zone %p even when UTC is allowed",
    (z) => expect(timezoneProblem(z, true)).toMatch(/not an IANA time zone/),
  );
});
