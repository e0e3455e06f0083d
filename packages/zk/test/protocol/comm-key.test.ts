import fc from "fast-check";
import { decodePacket, makeCommKey, verifyCommKey } from "../../src/protocol/index.js";
import { C, hex } from "./vectors.js";

const h = (b: Buffer): string => b.toString("hex");

describe("golden comm keys (§3, §10 unit vectors)", () => {
  test.each([
    [12, 0x45cf, "614d323c"],
    [45, 0x45cf, "61c9323c"],
    [0, 0x45cf, "617d323c"],
    [123456, 0x1234, "267f32eb"],
  ])("makeCommKey(%i, 0x%s) ", (key, session, expected) => {
    expect(h(makeCommKey(key, session))).toBe(expected);
  });

  test("C3/C4 carry exactly those keys for their session", () => {
    for (const [frame, key] of [
      [C.C3, 12],
      [C.C4, 45],
    ] as const) {
      const p = decodePacket(hex(frame).subarray(8));
      expect(h(p.data)).toBe(h(makeCommKey(key, p.sessionId)));
      expect(verifyCommKey(p.data, key, p.sessionId)).toBe(true);
      expect(verifyCommKey(p.data, key === 12 ? 45 : 12, p.sessionId)).toBe(false);
    }
  });

  test("worked example steps: byte 2 is ticks (0x32 = 50), the others are XORed with it", () => {
    const k = makeCommKey(12, 0x45cf, 0);
    // 0x300045CF: LE CF 45 00 30 ^ "ZKSO" = 95 0E 53 7F, halves swapped = 53 7F 95 0E, ticks 0 -> byte 2 = 0
    expect(h(k)).toBe("537f000e");
    expect(h(makeCommKey(12, 0x45cf, 0x132))).toBe("614d323c"); // ticks & 0xFF
  });

  test("closed form of §3 for a few keys", () => {
    for (const [key, rev] of [
      [1, 0x80000000],
      [0x80000000, 1],
      [0xffffffff, 0xffffffff],
    ] as const) {
      const k = (rev + 0x1234) >>> 0;
      const t = 50;
      const expected = [
        ((k >>> 16) & 255) ^ 0x53 ^ t,
        ((k >>> 24) & 255) ^ 0x4f ^ t,
        t,
        ((k >>> 8) & 255) ^ 0x4b ^ t,
      ];
      expect([...makeCommKey(key, 0x1234)]).toEqual(expected);
    }
  });

  test("rejects keys that are not u32 integers", () => {
    for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) expect(() => makeCommKey(bad, 1)).toThrow(RangeError);
  });

  test("verifyCommKey refuses short payloads", () => {
    expect(verifyCommKey(Buffer.from("614d32", "hex"), 12, 0x45cf)).toBe(false);
    expect(verifyCommKey(Buffer.alloc(0), 0, 0)).toBe(false);
  });
});

describe("properties", () => {
  // Device comm keys are entered as at most 6 digits (0..999999), well inside 24 bits.
  const key24 = fc.integer({ min: 0, max: 0xffffff });
  const session = fc.integer({ min: 0, max: 0xffff });
  const ticks = fc.integer({ min: 0, max: 255 });

  test("verify accepts the right key for any session and ticks byte", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), session, ticks, (key, s, t) => {
        expect(verifyCommKey(makeCommKey(key, s, t), key, s)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("verify rejects every other key below 2^24", () => {
    fc.assert(
      fc.property(key24, key24, session, ticks, (key, other, s, t) => {
        fc.pre(key !== other);
        expect(verifyCommKey(makeCommKey(key, s, t), other, s)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  test("any single-byte change to a valid key is rejected (including the ticks byte)", () => {
    fc.assert(
      fc.property(
        key24,
        session,
        ticks,
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 255 }),
        (key, s, t, i, d) => {
          const auth = makeCommKey(key, s, t);
          auth[i] = (auth[i]! + d) & 0xff;
          expect(verifyCommKey(auth, key, s)).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("known protocol limit: keys differing only in their top 8 bits can collide", () => {
    // The reversed key's low byte is those 8 bits, and the low byte of the sum is discarded.
    expect(h(makeCommKey(0x80000000, 0x45cf))).toBe(h(makeCommKey(0, 0x45cf)));
    expect(verifyCommKey(makeCommKey(0, 0x45cf), 0x80000000, 0x45cf)).toBe(true);
  });
});
