import { PunchSource } from "@biometricflow/proto";
import { dedupKey } from "../src/punches/dedup-key.js";
import { toNewPunch } from "../src/punches/new-punch.js";
import { cachedZone } from "../src/time/zone-offsets.js";
import { punches } from "./helpers.js";

const origin = {
  deviceId: "d1",
  deviceSerial: "SER-1",
  zone: cachedZone("Europe/Berlin"),
  nowMs: 0,
  trace: { traceparent: "", tracestate: "" },
};

test("is stable across releases (a fixed vector)", () => {
  expect(dedupKey("SER-1", "42", "2024-05-06T08:00:00", 0)).toBe("4dd99254abd00353f763a13c3649225c");
});

test("the same punch from a pull, a live event and ADMS (space-separated time) has one key", () => {
  const [pulled] = punches(1, { source: PunchSource.PUNCH_SOURCE_DEVICE_PULL });
  const live = { ...pulled!, source: PunchSource.PUNCH_SOURCE_DEVICE_LIVE, receivedAt: new Date(99) };
  const adms = {
    ...pulled!,
    source: PunchSource.PUNCH_SOURCE_ADMS,
    localTime: pulled!.localTime.replace("T", " "),
  };
  const keys = [pulled!, live, adms].map((p, i) => toNewPunch(p, origin, `p${i}`).dedupKey);
  expect(new Set(keys).size).toBe(1);
});

test("differs when any identifying field differs", () => {
  const base = dedupKey("SER-1", "42", "2024-05-06T08:00:00", 0);
  expect(dedupKey("SER-2", "42", "2024-05-06T08:00:00", 0)).not.toBe(base);
  expect(dedupKey("SER-1", "43", "2024-05-06T08:00:00", 0)).not.toBe(base);
  expect(dedupKey("SER-1", "42", "2024-05-06T08:00:01", 0)).not.toBe(base);
  expect(dedupKey("SER-1", "42", "2024-05-06T08:00:00", 1)).not.toBe(base);
});

test("a separator inside a field cannot make two punches collide", () => {
  expect(dedupKey("A|B", "C", "t", 0)).not.toBe(dedupKey("A", "B|C", "t", 0));
});

describe("toNewPunch validation", () => {
  const [good] = punches(1);
  test.each([
    [{ localTime: "2024-02-30T08:00:00" }, /p\.local_time: must be a real/],
    [{ localTime: "08:00" }, /p\.local_time/],
    [{ userId: "" }, /p\.user_id/],
    [{ userId: "42\u0000\u0000" }, /p\.user_id/],
    [{ punchState: 256 }, /p\.punch_state/],
    [{ verifyMethod: 1000 }, /p\.verify_method/],
    [{ source: PunchSource.PUNCH_SOURCE_UNSPECIFIED }, /p\.source/],
  ])("%p is refused with INVALID_ARGUMENT naming the field", (change, message) => {
    expect(() => toNewPunch({ ...good!, ...change }, origin, "p")).toThrow(
      expect.objectContaining({ name: "InvalidArgumentError", message: expect.stringMatching(message) }),
    );
  });

  test("a malformed trace context is replaced, not fatal", () => {
    const p = toNewPunch({ ...good!, trace: { traceparent: "nonsense", tracestate: "" } }, origin, "p");
    expect(p.traceparent).toBe("");
  });
});
