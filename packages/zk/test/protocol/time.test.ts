import fc from "fast-check";
import {
  ZkProtocolError,
  decodePacket,
  decodeTimeHex,
  decodeZkTime,
  encodeTimeHex,
  encodeZkTime,
  parseWallClock,
} from "../../src/protocol/index.js";
import { C, hex } from "./vectors.js";

/** Any valid wall-clock second in 2000-01-01 .. 2099-12-31, as "YYYY-MM-DDTHH:mm:ss". */
const wallClock = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19));

/** The §4 formula, written out independently. */
function formula(s: string): number {
  const [Y, M, D, h, m, sec] = s.split(/[-T:]/).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return ((Y % 100) * 12 * 31 + (M - 1) * 31 + (D - 1)) * 86400 + (h * 60 + m) * 60 + sec;
}

describe("4-byte time vectors (§4, §10)", () => {
  test.each([
    ["2018-12-07T19:09:06", 0x244641d2],
    ["2018-06-25T17:50:35", 0x2368b36b],
    ["2099-12-31T23:59:59", 0xbf92f7ff],
    ["2000-01-01T00:00:00", 0],
    ["2016-01-01T19:02:00", 0x1ea7eba8], // the 8-byte record of issue #99
  ])("%s <-> 0x%s", (s, raw) => {
    expect(encodeZkTime(s)).toBe(raw);
    expect(decodeZkTime(raw)).toBe(s);
  });

  test("worked example value 608 584 146 and its LE bytes d2 41 46 24 (C15)", () => {
    expect(encodeZkTime("2018-12-07 19:09:06")).toBe(608584146);
    expect(decodePacket(hex(C.C15).subarray(8)).data.readUInt32LE(0)).toBe(608584146);
  });

  test("values pass 2^31 during 2066 and are read unsigned", () => {
    expect(encodeZkTime("2066-01-01T00:00:00")).toBeLessThan(2 ** 31);
    expect(encodeZkTime("2066-12-31T00:00:00")).toBeGreaterThan(2 ** 31);
    const b = Buffer.alloc(4);
    b.writeUInt32LE(0xbf92f7ff);
    expect(decodeZkTime(b.readInt32LE(0))).toBe("2099-12-31T23:59:59"); // a signed read still decodes
  });

  test("impossible dates and out-of-range values are ZkProtocolErrors, not rolled over", () => {
    const feb31 = ((18 * 372 + 1 * 31 + 30) * 86400) >>> 0;
    expect(() => decodeZkTime(feb31)).toThrow(ZkProtocolError);
    expect(() => decodeZkTime(0xbf92f7ff + 1)).toThrow(ZkProtocolError); // 2100-01-01
    expect(() => decodeZkTime(0xffffffff)).toThrow(ZkProtocolError);
    expect(decodeZkTime(((0 * 372 + 1 * 31 + 28) * 86400) >>> 0)).toBe("2000-02-29T00:00:00"); // leap
    expect(() => decodeZkTime(((1 * 372 + 1 * 31 + 28) * 86400) >>> 0)).toThrow(ZkProtocolError); // 2001
  });

  test("encode refuses years the device cannot store and malformed strings", () => {
    expect(() => encodeZkTime("1999-12-31T23:59:59")).toThrow(RangeError);
    expect(() => encodeZkTime("2100-01-01T00:00:00")).toThrow(RangeError);
    expect(() => encodeZkTime("2018-02-30T00:00:00")).toThrow(RangeError);
    expect(() => encodeZkTime("2018-12-07T24:00:00")).toThrow(RangeError);
    expect(() => encodeZkTime("2018-12-07")).toThrow(RangeError);
    expect(() => parseWallClock("2018-12-07T19:09:06Z")).toThrow(RangeError);
  });
});

describe("6-byte timehex (§4)", () => {
  test("12 0c 07 13 09 06 = 2018-12-07 19:09:06", () => {
    expect(decodeTimeHex(hex("120c07130906"))).toBe("2018-12-07T19:09:06");
    expect(encodeTimeHex("2018-12-07T19:09:06").toString("hex")).toBe("120c07130906");
    expect(decodeTimeHex(hex("ffff120c07130906"), 2)).toBe("2018-12-07T19:09:06");
  });

  test("invalid fields are ZkProtocolErrors", () => {
    for (const bad of ["12021e000000", "120d01000000", "120c00000000", "120c07180000", "120c0713003c"]) {
      expect(() => decodeTimeHex(hex(bad))).toThrow(ZkProtocolError);
    }
  });

  test("encode refuses years a byte of Y-2000 cannot hold instead of wrapping them", () => {
    expect(() => encodeTimeHex("1999-12-31T23:59:59")).toThrow(RangeError);
    expect(() => encodeTimeHex("2300-01-01T00:00:00")).toThrow(RangeError);
  });
});

describe("properties over 2000-2099", () => {
  test("4-byte: decode(encode(t)) = t, and encode follows the §4 formula", () => {
    fc.assert(
      fc.property(wallClock, (s) => {
        const raw = encodeZkTime(s);
        expect(raw).toBe(formula(s));
        expect(raw).toBeGreaterThanOrEqual(0);
        expect(raw).toBeLessThanOrEqual(0xbf92f7ff);
        expect(decodeZkTime(raw)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  test("4-byte: encoding preserves order", () => {
    fc.assert(
      fc.property(wallClock, wallClock, (a, b) => {
        expect(Math.sign(encodeZkTime(a) - encodeZkTime(b))).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });

  test("4-byte: any u32 either decodes to a time that re-encodes to it, or is a ZkProtocolError", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (raw) => {
        let s: string;
        try {
          s = decodeZkTime(raw);
        } catch (e) {
          expect(e).toBeInstanceOf(ZkProtocolError);
          return;
        }
        expect(encodeZkTime(s)).toBe(raw);
      }),
      { numRuns: 2000 },
    );
  });

  test("6-byte: bytes are [Y-2000, M, D, h, m, s] and decode back", () => {
    fc.assert(
      fc.property(wallClock, (s) => {
        const b = encodeTimeHex(s);
        expect([...b]).toEqual(
          s
            .split(/[-T:]/)
            .map(Number)
            .map((v, i) => (i === 0 ? v - 2000 : v)),
        );
        expect(decodeTimeHex(b)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });
});
