import { Privilege } from "@biometricflow/proto";
import type { AttendanceRecord, UnreadableAttendanceRecord } from "@biometricflow/zk";
import { backoffDelay, spread } from "../src/backoff.js";
import { clockDrift, correctionDue, isKnownZone, placeWallClock } from "../src/sync/clock.js";
import { cursorAt, EMPTY_CURSOR, planSync } from "../src/sync/cursor.js";
import { deviceUser, freeUid } from "../src/sync/device-user.js";
import { pulledEntry } from "../src/sync/punches.js";

const rec = (userId: string, timestamp: string): AttendanceRecord => ({
  uid: 1,
  userId,
  timestamp,
  verify: 1,
  punch: 0,
});
const log = [
  rec("1", "2025-01-01T08:00:00"),
  rec("2", "2025-01-01T08:01:00"),
  rec("3", "2025-01-01T08:02:00"),
];

describe("planSync", () => {
  test("resumes after a cursor whose last record still matches", () => {
    expect(planSync(cursorAt(log, 2), log)).toEqual({ from: 2, reset: false });
    expect(planSync(cursorAt(log, 3), log)).toEqual({ from: 3, reset: false });
    expect(planSync(EMPTY_CURSOR, log)).toEqual({ from: 0, reset: false });
  });

  test("starts over when the log is shorter than the cursor or its record changed", () => {
    expect(
      planSync({ recordsIngested: 5, lastLocalTime: "2025-01-01T09:00:00", lastUserId: "9" }, log),
    ).toEqual({ from: 0, reset: true });
    expect(
      planSync({ recordsIngested: 2, lastLocalTime: "2025-01-01T08:01:00", lastUserId: "7" }, log),
    ).toEqual({ from: 0, reset: true });
    expect(
      planSync({ recordsIngested: 2, lastLocalTime: "2024-12-31T08:01:00", lastUserId: "2" }, log),
    ).toEqual({ from: 0, reset: true });
  });

  test("a cursor without the last record's identity is taken at its word", () => {
    expect(planSync({ recordsIngested: 2, lastLocalTime: "", lastUserId: "" }, log)).toEqual({
      from: 2,
      reset: false,
    });
  });
});

describe("a log with a record that could not be read", () => {
  const bad: UnreadableAttendanceRecord = {
    index: 1,
    bytes: "0100ab",
    reason: "time value 0x2f3e5c00 decodes to an impossible date",
  };
  const withBad = [log[0]!, bad, log[2]!];

  test("the cursor moves past it, known by its bytes, and resumes after it", () => {
    expect(cursorAt(withBad, 2)).toEqual({
      recordsIngested: 2,
      lastLocalTime: "",
      lastUserId: "unreadable:0100ab",
    });
    expect(planSync(cursorAt(withBad, 2), withBad)).toEqual({ from: 2, reset: false });
    expect(planSync(cursorAt(withBad, 3), withBad)).toEqual({ from: 3, reset: false });
    // The same position now holding a readable record: the log was replaced.
    expect(planSync(cursorAt(withBad, 2), log)).toEqual({ from: 0, reset: true });
    expect(planSync(cursorAt(log, 2), withBad)).toEqual({ from: 0, reset: true });
  });

  test("it goes to the place with its bytes and the reason, never as a punch", () => {
    const at = new Date(0);
    const trace = { traceparent: "", tracestate: "" };
    expect(pulledEntry(bad, at, trace)).toMatchObject({
      userId: "",
      localTime: "",
      rawRecord: Buffer.from("0100ab", "hex"),
      unreadableReason: "log record 1: time value 0x2f3e5c00 decodes to an impossible date",
    });
    expect(pulledEntry(log[0]!, at, trace)).toMatchObject({ userId: "1", unreadableReason: "" });
  });
});

describe("backoff", () => {
  const policy = { initialMs: 1_000, maxMs: 300_000, jitter: 0.25 };
  test("doubles, caps, and jitter only shortens", () => {
    expect([1, 2, 3, 9, 10, 50].map((n) => backoffDelay(n, policy, () => 0))).toEqual([
      1_000, 2_000, 4_000, 256_000, 300_000, 300_000,
    ]);
    expect(backoffDelay(20, policy, () => 0.999_999)).toBe(225_000);
    for (let r = 0; r < 1; r += 0.1) {
      const d = backoffDelay(4, policy, () => r);
      expect(d).toBeGreaterThanOrEqual(6_000);
      expect(d).toBeLessThanOrEqual(8_000);
    }
  });

  test("spread stays within its share", () => {
    expect(spread(60_000, 0.1, () => 0)).toBe(54_000);
    expect(spread(60_000, 0.1, () => 0.5)).toBe(60_000);
    expect(spread(60_000, 0.1, () => 0.999_999)).toBe(66_000);
  });
});

describe("clock", () => {
  test("the place's wall clock comes from its IANA zone, DST included", () => {
    expect(placeWallClock("Africa/Lagos", new Date("2025-03-03T07:00:00Z"))).toBe("2025-03-03T08:00:00");
    expect(placeWallClock("America/New_York", new Date("2025-07-01T12:00:00Z"))).toBe("2025-07-01T08:00:00");
    expect(placeWallClock("America/New_York", new Date("2025-01-01T00:30:05Z"))).toBe("2024-12-31T19:30:05");
    expect(isKnownZone("Mars/Olympus")).toBe(false);
    expect(isKnownZone("Europe/Berlin")).toBe(true);
  });

  test("drift is device minus place; correction needs the switch, the threshold and the interval", () => {
    expect(clockDrift("2025-03-03T08:02:00", "2025-03-03T08:00:00")).toBe(120);
    expect(clockDrift("2025-03-02T23:59:00", "2025-03-03T00:00:30")).toBe(-90);
    const policy = {
      checkIntervalMs: 600_000,
      autoCorrect: true,
      thresholdSeconds: 60,
      minCorrectionIntervalMs: 3_600_000,
    };
    expect(correctionDue(61, policy, 0, 1e12)).toBe(true);
    expect(correctionDue(-61, policy, 0, 1e12)).toBe(true);
    expect(correctionDue(60, policy, 0, 1e12)).toBe(false);
    expect(correctionDue(600, policy, 1e12 - 3_599_999, 1e12)).toBe(false);
    expect(correctionDue(600, policy, 1e12 - 3_600_000, 1e12)).toBe(true);
    expect(correctionDue(600, { ...policy, autoCorrect: false }, 0, 1e12)).toBe(false);
  });
});

describe("device users", () => {
  const u = (uid: number, userId: string) => ({
    uid,
    userId,
    name: "",
    privilege: 0,
    password: "",
    card: 0,
    group: 1,
  });
  test("the lowest free slot", () => {
    expect(freeUid([])).toBe(1);
    expect(freeUid([u(1, "a"), u(2, "b"), u(4, "c")])).toBe(3);
  });

  test("a place user becomes a device record: role bits, disabled bit, kept slot and password", () => {
    const user = {
      userId: "b",
      name: "Bimpe",
      privilege: Privilege.PRIVILEGE_MANAGER,
      card: 7,
      disabled: true,
      updatedAt: undefined,
    };
    const existing = [{ ...u(9, "b"), password: "1234", group: 3 }];
    expect(deviceUser(user, "", existing)).toEqual({
      uid: 9,
      userId: "b",
      name: "Bimpe",
      privilege: 7,
      password: "1234",
      card: 7,
      group: 3,
    });
    expect(
      deviceUser({ ...user, disabled: false, privilege: Privilege.PRIVILEGE_USER }, "99", []),
    ).toMatchObject({ uid: 1, privilege: 0, password: "99" });
  });
});
