import fc from "fast-check";
import {
  ZkProtocolError,
  decodeAttendance16,
  decodeAttendance40,
  decodeAttendance8,
  decodeAttendanceRecords,
  decodeZkTime,
  detectAttendanceRecordSize,
  encodeAttendance,
  encodeAttendance16,
  encodeAttendance40,
  encodeAttendance8,
  type AttendanceRecord,
} from "../../src/protocol/index.js";
import { hex } from "./vectors.js";

// §10 unit vector [A]: 0d00 | "999111333" + 15 x 00 | 01 | 6bb36823 | 00 | 00000000 ff000000
const A40 = "0d00" + "393939313131333333" + "00".repeat(15) + "01" + "6bb36823" + "00" + "00000000ff000000";
// §5.4 / issue #99: ZEM500 8-byte record, layout <HBB4s
const A8 = "07002800a8eba71e";

describe("golden attendance records", () => {
  test("40-byte [A]: uid 13, 999111333, verify 1, 2018-06-25 17:50:35, state 0", () => {
    const b = hex(A40);
    expect(b.length).toBe(40);
    expect(decodeAttendance40(b)).toEqual({
      uid: 13,
      userId: "999111333",
      verify: 1,
      timestamp: "2018-06-25T17:50:35",
      punch: 0,
    });
  });

  test("40-byte re-encodes byte for byte (reserved 00000000 ff000000 as captured)", () => {
    expect(encodeAttendance40(decodeAttendance40(hex(A40))).toString("hex")).toBe(A40);
  });

  test("8-byte (issue #99): uid 7, flags 0x28, time at offset 4 = 2016-01-01 19:02:00", () => {
    const r = decodeAttendance8(hex(A8));
    expect(r).toEqual({ uid: 7, userId: "7", verify: 1, punch: 0, timestamp: "2016-01-01T19:02:00" });
    expect(encodeAttendance8(r).toString("hex")).toBe(A8);
    // pyzk's HB4sB reading puts the time at offset 3, which lands in 2087 (§5.4).
    expect(decodeZkTime(hex(A8).readUInt32LE(3))).toMatch(/^2087-/);
  });

  test("a buffer of two 40-byte records and a 49-byte stride (MB560-VL) both decode", () => {
    const two = Buffer.concat([hex(A40), hex(A40)]);
    expect(decodeAttendanceRecords(two, 2)).toHaveLength(2);
    const stride49 = Buffer.concat([hex(A40), Buffer.alloc(9), hex(A40), Buffer.alloc(9)]);
    expect(detectAttendanceRecordSize(98, 2)).toBe(49);
    expect(decodeAttendanceRecords(stride49, 2).map((r) => r.userId)).toEqual(["999111333", "999111333"]);
  });
});

describe("record size detection (§5.4, §9.2)", () => {
  test.each([
    [80, 2, 40],
    [80, 5, 16],
    [80, 10, 8],
    [80, 0, 40], // unknown count: 40 first
    [48, 0, 16],
    [24, 7, 8], // stale count
  ])("%i bytes, count %i -> %i", (bytes, count, size) => {
    expect(detectAttendanceRecordSize(bytes, count)).toBe(size);
  });

  test("no whole number of records is a ZkProtocolError", () => {
    expect(() => detectAttendanceRecordSize(30, 1)).toThrow(ZkProtocolError);
    expect(() => decodeAttendanceRecords(Buffer.alloc(12), 1)).toThrow(ZkProtocolError);
    expect(decodeAttendanceRecords(Buffer.alloc(0), 3)).toEqual([]);
  });

  test("a corrupt time names the record index", () => {
    const bad = Buffer.concat([hex(A40), hex(A40)]);
    bad.writeUInt32LE(0xffffffff, 40 + 27);
    expect(() => decodeAttendanceRecords(bad, 2)).toThrow(/attendance record 1 /);
  });
});

const wallClock = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19));
const byte = fc.integer({ min: 0, max: 255 });
const text23 = fc
  .string({ unit: "grapheme", maxLength: 23 })
  .filter((s) => !s.includes("\0") && Buffer.byteLength(s) <= 23 && Buffer.from(s).toString() === s);

describe("properties", () => {
  test("40-byte round trip", () => {
    const arb = fc.record({
      uid: fc.integer({ min: 0, max: 0xffff }),
      userId: text23,
      verify: byte,
      punch: byte,
      timestamp: wallClock,
    });
    fc.assert(
      fc.property(arb, (r) => {
        const b = encodeAttendance(r, 40);
        expect(b.length).toBe(40);
        expect(decodeAttendance40(b)).toEqual(r);
        expect(b.readUInt32LE(32)).toBe(0);
        expect(b[36]).toBe(0xff);
      }),
      { numRuns: 500 },
    );
  });

  test("16-byte round trip: numeric user id, state at byte 8, verify at byte 9", () => {
    const arb = fc.record({
      uid: fc.constant(0),
      userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
      verify: byte,
      punch: byte,
      timestamp: wallClock,
    });
    fc.assert(
      fc.property(arb, (r: AttendanceRecord) => {
        const b = encodeAttendance(r, 16);
        expect(b.length).toBe(16);
        expect([b[8], b[9]]).toEqual([r.punch, r.verify]);
        expect(decodeAttendance16(b)).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  test("8-byte round trip: uid only, verify in 2 bits, state in 3 bits", () => {
    const arb = fc.integer({ min: 0, max: 0xffff }).chain((uid) =>
      fc.record({
        uid: fc.constant(uid),
        userId: fc.constant(String(uid)),
        verify: fc.integer({ min: 0, max: 3 }),
        punch: fc.integer({ min: 0, max: 7 }),
        timestamp: wallClock,
      }),
    );
    fc.assert(
      fc.property(arb, (r) => {
        const b = encodeAttendance(r, 8);
        expect(b.length).toBe(8);
        expect(b[2]! & 0x20).toBe(0x20);
        expect(decodeAttendance8(b)).toEqual(r);
      }),
      { numRuns: 500 },
    );
  });

  test("decodeAttendanceRecords returns the encoded records for each size, given the count", () => {
    const arb = fc.array(
      fc.record({
        uid: fc.integer({ min: 1, max: 0xffff }),
        verify: fc.integer({ min: 0, max: 3 }),
        punch: fc.integer({ min: 0, max: 7 }),
        timestamp: wallClock,
      }),
      { minLength: 1, maxLength: 10 },
    );
    fc.assert(
      fc.property(arb, fc.constantFrom(40 as const, 16 as const, 8 as const), (rs, size) => {
        const full = rs.map((r) => ({ ...r, userId: String(r.uid), uid: size === 16 ? 0 : r.uid }));
        const buf = Buffer.concat(full.map((r) => encodeAttendance(r, size)));
        expect(decodeAttendanceRecords(buf, full.length)).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });

  test("16-byte encode refuses non-numeric user ids", () => {
    const r = { uid: 0, userId: "A1", verify: 0, punch: 0, timestamp: "2020-01-01T00:00:00" };
    expect(() => encodeAttendance16(r)).toThrow(RangeError);
  });
});
