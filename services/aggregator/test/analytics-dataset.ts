// A small known data set for analytics tests, with the expected results computed by hand.
// Both places are in Africa/Lagos (UTC+1, no DST). Mon 2024-05-06 ... Fri 2024-05-10.
import { DeviceState } from "@biometricflow/proto";
import { FakePlace, placeOf, statusOf, userOf, type FakePunch } from "./fake-place.js";

export const INJECTOR = "x' OR 1=1 --";
export const ZOE = "zoë-🙂";

/** 08:00-17:00, 10 min grace, 4 h, Sat/Sun off, Wed 2024-05-08 a holiday, 60 min break. */
export function hqPlace(): FakePlace {
  const p = new FakePlace(placeOf("hq", { holidays: ["2024-05-08"] }), 1);
  p.users = [
    userOf("alice", "Alice Ade"),
    userOf("bob", "Bob Bello"),
    userOf("carol", "Carol Chukwu"),
    userOf("dave", "Dave Danjuma"),
    userOf(INJECTOR, "Injector"),
    { ...userOf("eve", "Eve (disabled)"), disabled: true },
  ];
  const g1 = "gate-1";
  const g2 = "gate-2";
  const punches: FakePunch[] = [
    // Mon: alice present (in gate-1, out gate-2, 25 min overtime); bob late 25 with a double
    // tap, early 30; carol in only (missing out); dave and the injector absent.
    { user: "alice", device: g1, local: "2024-05-06T08:05:00" },
    { user: "alice", device: g2, local: "2024-05-06T17:30:00" },
    { user: "bob", device: g1, local: "2024-05-06T08:25:00" },
    { user: "bob", device: g1, local: "2024-05-06T08:25:30" },
    { user: "bob", device: g1, local: "2024-05-06T16:30:00" },
    { user: "carol", device: g2, local: "2024-05-06T08:00:00" },
    // Tue: alice early bird; bob within grace in (08:10:59), early 11 out (16:49:59); dave only a
    // double tap at 09:00 (late 60, incomplete); the injector a normal day; carol absent.
    { user: "alice", device: g1, local: "2024-05-07T07:55:00" },
    { user: "alice", device: g1, local: "2024-05-07T17:00:00" },
    { user: "bob", device: g2, local: "2024-05-07T08:10:59" },
    { user: "bob", device: g2, local: "2024-05-07T16:49:59" },
    { user: "dave", device: g1, local: "2024-05-07T09:00:00" },
    { user: "dave", device: g1, local: "2024-05-07T09:00:40" },
    { user: INJECTOR, device: g1, local: "2024-05-07T08:00:00" },
    { user: INJECTOR, device: g2, local: "2024-05-07T17:00:00" },
    // The same punch again (a device replaying its log): stored once.
    { user: "alice", device: g1, local: "2024-05-07T07:55:00" },
    // Wed, a holiday: alice works 10:00-14:00 (all overtime).
    { user: "alice", device: g1, local: "2024-05-08T10:00:00" },
    { user: "alice", device: g1, local: "2024-05-08T14:00:00" },
    // Thu: carol works past midnight; her 00:20 out belongs to Thursday.
    { user: "carol", device: g1, local: "2024-05-09T08:00:00" },
    { user: "carol", device: g1, local: "2024-05-10T00:20:00" },
  ];
  p.append(punches);
  // gate-1: live from Monday 00:00 local, backing off 12:00-13:00.
  p.setStatuses([
    statusOf(g1, DeviceState.DEVICE_STATE_LIVE, "2024-05-05T23:00:00Z"),
    statusOf(g1, DeviceState.DEVICE_STATE_BACKING_OFF, "2024-05-06T11:00:00Z"),
    statusOf(g1, DeviceState.DEVICE_STATE_LIVE, "2024-05-06T12:00:00Z"),
  ]);
  return p;
}

/** A night shift 22:00-06:00, 5 min grace, 6 h, 30 min break. */
export function nightPlace(): FakePlace {
  const p = new FakePlace(
    placeOf("night", {
      shiftStart: "22:00",
      shiftEnd: "06:00",
      graceMinutes: 5,
      minHoursPresent: 6,
      breakMinutes: 30,
    }),
    1,
  );
  p.users = [userOf("nina"), userOf("omar"), userOf(ZOE, "Zoë")];
  p.append([
    // Mon night: nina on time, out 06:10 (15 min overtime); omar late 20, early 60.
    { user: "nina", device: "night-a", local: "2024-05-06T21:55:00" },
    { user: "nina", device: "night-b", local: "2024-05-07T06:10:00" },
    { user: "omar", device: "night-a", local: "2024-05-06T22:20:00" },
    { user: "omar", device: "night-a", local: "2024-05-07T05:00:00" },
    // Tue night: nina in only; zoë a full night; omar absent.
    { user: "nina", device: "night-a", local: "2024-05-07T22:00:00" },
    { user: ZOE, device: "night-b", local: "2024-05-07T21:58:00" },
    { user: ZOE, device: "night-b", local: "2024-05-08T06:00:00" },
  ]);
  return p;
}
