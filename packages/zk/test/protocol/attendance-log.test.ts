import fc from "fast-check";
import {
  ZkProtocolError,
  attendanceLogEntries,
  decodeAttendanceLog,
  decodeAttendanceRecords,
  describeUnreadable,
  encodeAttendance,
  isUnreadableRecord,
  type AttendanceRecord,
} from "../../src/protocol/index.js";

// A log with one unreadable record must not cost the others: each readable record decodes as
// ever, the unreadable one is reported with its position, bytes and reason (zk-protocol.md §4).

const rec = (i: number): AttendanceRecord => ({
  uid: i + 1,
  userId: String(1000 + i),
  verify: 1,
  punch: i % 2,
  timestamp: `2024-03-${String(1 + (i % 28)).padStart(2, "0")}T08:${String(i % 60).padStart(2, "0")}:00`,
});

/** Feb 31 2024 08:00:00 on the device's 31-day calendar: no real date. */
const FEB_31 = ((24 * 372 + 1 * 31 + 30) * 86400 + 8 * 3600) >>> 0;
const TIME_AT = { 40: 27, 16: 4, 8: 4 } as const;

function logOf(size: 40 | 16 | 8, n: number, corrupt: Record<number, number>): Buffer {
  const records = Array.from({ length: n }, (_, i) => encodeAttendance(rec(i), size));
  for (const [i, value] of Object.entries(corrupt)) records[Number(i)]!.writeUInt32LE(value, TIME_AT[size]);
  return Buffer.concat(records);
}

describe("decodeAttendanceLog: a corrupt record in the middle", () => {
  test.each([40, 16, 8] as const)("%i-byte log: the others decoded, the corrupt one reported", (size) => {
    const buf = logOf(size, 7, { 3: FEB_31 });
    const log = decodeAttendanceLog(buf, 7);
    const want = Array.from({ length: 7 }, (_, i) => rec(i))
      .filter((_, i) => i !== 3)
      .map((r) => (size === 16 ? { ...r, uid: 0 } : size === 8 ? { ...r, userId: String(r.uid) } : r));
    expect(log.records).toEqual(want);
    expect(log.recordSize).toBe(size);
    expect(log.unreadable).toEqual([
      {
        index: 3,
        bytes: buf.subarray(3 * size, 4 * size).toString("hex"),
        reason: expect.stringMatching(/time value 0x[0-9a-f]+ decodes to an impossible date/),
      },
    ]);
  });

  test("several corrupt records, first and last included, keep their positions", () => {
    const buf = logOf(40, 6, { 0: 0xffffffff, 2: FEB_31, 5: FEB_31 });
    const log = decodeAttendanceLog(buf, 6);
    expect(log.unreadable.map((u) => u.index)).toEqual([0, 2, 5]);
    expect(log.records.map((r) => r.userId)).toEqual(["1001", "1003", "1004"]);
    const entries = attendanceLogEntries(log);
    expect(entries).toHaveLength(6);
    expect(entries.map((e) => (isUnreadableRecord(e) ? `bad@${e.index}` : e.userId))).toEqual([
      "bad@0",
      "1001",
      "bad@2",
      "1003",
      "1004",
      "bad@5",
    ]);
    expect(describeUnreadable(log)).toMatch(/^3 of 6 attendance records could not be read \(40 bytes each\)/);
  });

  test("a log without corrupt records is decoded exactly as decodeAttendanceRecords", () => {
    const buf = logOf(40, 5, {});
    const log = decodeAttendanceLog(buf, 5);
    expect(log).toEqual({ records: decodeAttendanceRecords(buf, 5), unreadable: [], recordSize: 40 });
    expect(attendanceLogEntries(log)).toBe(log.records);
    expect(decodeAttendanceLog(Buffer.alloc(0), 0)).toEqual({ records: [], unreadable: [], recordSize: 0 });
  });

  test("the strict decoder still refuses the log, naming the first corrupt record", () => {
    const buf = logOf(40, 7, { 3: FEB_31, 5: FEB_31 });
    expect(() => decodeAttendanceRecords(buf, 7)).toThrow(/attendance record 3 \(of 7, 40 bytes each\)/);
  });

  test("a buffer that is not a whole number of records is still an error", () => {
    expect(() => decodeAttendanceLog(Buffer.alloc(30), 1)).toThrow(ZkProtocolError);
  });

  test("property: any corrupt positions leave every other record in its place", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(40 as const, 16 as const),
        fc.array(fc.nat(), { maxLength: 8 }),
        (n, size, picks) => {
          const bad = new Set(picks.map((p) => p % n));
          const buf = logOf(size, n, Object.fromEntries([...bad].map((i) => [i, FEB_31])));
          const log = decodeAttendanceLog(buf, n);
          expect(log.unreadable.map((u) => u.index)).toEqual([...bad].sort((a, b) => a - b));
          const entries = attendanceLogEntries(log);
          expect(entries).toHaveLength(n);
          entries.forEach((e, i) => {
            if (isUnreadableRecord(e)) expect(e.bytes).toBe(buf.toString("hex", i * size, (i + 1) * size));
            else expect(e.userId).toBe(String(1000 + i));
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
