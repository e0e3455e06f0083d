import fc from "fast-check";
import {
  ZkProtocolError,
  decodePacket,
  decodeUser28,
  decodeUser72,
  decodeUsers,
  detectUserRecordSize,
  encodeUser,
  encodeUser28,
  encodeUser72,
  privilegeName,
  unwrapRecords,
  wrapRecords,
  type ZkUser,
} from "../../src/protocol/index.js";
import { C, R, hex } from "./vectors.js";

const records = (frame: string): Buffer => unwrapRecords(decodePacket(hex(frame).subarray(8)).data);
const user = (u: Partial<ZkUser> & Pick<ZkUser, "uid" | "userId">): ZkUser => ({
  name: "",
  privilege: 0,
  password: "",
  card: 0,
  group: 0,
  ...u,
});

const BOB = { uid: 1, privilege: 14, password: "123", name: "Bob", card: 12345 };
const BOB28 = "01000e3132330000426f6200000000003930000000010000e9030000";
const BOB72 =
  "01000e3132330000000000426f62000000000000000000000000000000000000000000393000000000000000000000003130" +
  "30310000000000000000000000000000000000000000";

describe("§5.2 user-write examples", () => {
  test("28-byte Bob: encode and decode", () => {
    const bob = { ...BOB, group: 1, userId: "1001" };
    expect(encodeUser28(bob).toString("hex")).toBe(BOB28);
    expect(decodeUser28(hex(BOB28))).toEqual(bob);
    expect(hex(BOB28).readInt16LE(22)).toBe(0); // time zones
  });

  test("72-byte Bob: encode and decode (byte 39 = 0, user_id at 48)", () => {
    const bob = { ...BOB, group: 0, userId: "1001" };
    expect(encodeUser72(bob).toString("hex")).toBe(BOB72);
    expect(encodeUser(bob, 72).toString("hex")).toBe(BOB72);
    expect(decodeUser72(hex(BOB72))).toEqual(bob);
  });
});

describe("C11: [A] 72-byte USER_WRQ capture", () => {
  const data = decodePacket(hex(C.C11).subarray(8)).data;

  test("decodes uid 14, priv 6, pw 123456, name Nuevo, card 6543, byte39 = 1, user_id 11224488", () => {
    expect(data.length).toBe(72);
    expect(decodeUser72(data)).toEqual({
      uid: 14,
      privilege: 6,
      password: "123456",
      name: "Nuevo",
      card: 6543,
      group: 1,
      userId: "11224488",
    });
    expect(privilegeName(6)).toBe("manager");
  });

  test("re-encoding differs only in the garbage byte after the password's NUL ([A]: bytes after it may be garbage)", () => {
    const again = encodeUser72(decodeUser72(data));
    const diff = [...again.keys()].filter((i) => again[i] !== data[i]);
    expect(diff).toEqual([10]);
    expect(data[10]).toBe(0x7c); // '|'
    expect(again[10]).toBe(0);
  });
});

describe("R16/R17: direct DATA user buffers", () => {
  test("R16 (K20): 144 = 2 x 72, uid 1 cfulano/100001lp and uid 2 rmengano/222222cb", () => {
    const recs = records(R.R16);
    expect(recs.length).toBe(144);
    const users = decodeUsers(recs, 2);
    expect(users).toEqual([
      user({ uid: 1, name: "cfulano", userId: "100001lp" }),
      user({ uid: 2, name: "rmengano", userId: "222222cb" }),
    ]);
    expect(Buffer.concat(users.map((u) => encodeUser72(u))).equals(recs)).toBe(true);
  });

  test("R17: 504 = 7 x 72 (also 18 x 28): the count picks 72", () => {
    const recs = records(R.R17);
    expect(recs.length).toBe(504);
    const users = decodeUsers(recs, 7);
    expect(users.map((u) => u.uid)).toEqual([1, 2, 3, 4, 5, 6, 12]);
    expect(users.map((u) => u.userId)).toEqual(["808", "821", "835", "831", "832", "86", "842"]);
    expect(users.map((u) => u.privilege)).toEqual([14, 0, 0, 0, 0, 0, 0]);
    expect(users.every((u) => u.name === "" && u.password === "" && u.card === 0)).toBe(true);
    expect(privilegeName(users[0]!.privilege)).toBe("admin");
    expect(Buffer.concat(users.map((u) => encodeUser72(u))).equals(recs)).toBe(true);
    // Without a usable count, 72 is tried before 28.
    expect(decodeUsers(recs, 0)).toEqual(users);
  });
});

describe("record size detection (§5.1, §9.2)", () => {
  test.each([
    [504, 7, 72],
    [504, 18, 28],
    [504, 0, 72],
    [56, 5, 28], // stale count: falls back to what divides
    [144, 3, 72],
  ])("%i bytes, count %i -> %i", (bytes, count, size) => {
    expect(detectUserRecordSize(bytes, count)).toBe(size);
  });

  test("sizes that are neither are refused, never guessed", () => {
    expect(() => detectUserRecordSize(100, 1)).toThrow(ZkProtocolError);
    expect(() => decodeUsers(Buffer.alloc(73), 1)).toThrow(ZkProtocolError);
    expect(decodeUsers(Buffer.alloc(0), 5)).toEqual([]);
  });

  test("privilege roles (§5.3)", () => {
    expect([0, 1, 2, 6, 12, 14, 15].map(privilegeName)).toEqual([
      "user",
      "user",
      "enroller",
      "manager",
      "manager",
      "admin",
      "admin",
    ]);
  });

  test("encoders refuse what does not fit", () => {
    const ok = user({ uid: 1, userId: "1" });
    expect(() => encodeUser72({ ...ok, uid: 0 })).toThrow(RangeError);
    expect(() => encodeUser72({ ...ok, name: "x".repeat(24) })).toThrow(RangeError);
    expect(() => encodeUser72({ ...ok, password: "x".repeat(9) })).toThrow(RangeError);
    expect(() => encodeUser72({ ...ok, card: -1 })).toThrow(RangeError);
    expect(() => encodeUser28({ ...ok, userId: "A12" })).toThrow(RangeError);
    expect(() => encodeUser28({ ...ok, userId: "4294967296" })).toThrow(RangeError);
    expect(() => encodeUser28({ ...ok, name: "x".repeat(9) })).toThrow(RangeError);
  });
});

/** Text without NUL that fits `maxBytes` UTF-8 bytes. */
const text = (maxBytes: number) =>
  fc
    .string({ unit: "grapheme", maxLength: maxBytes })
    .filter((s) => !s.includes("\0") && Buffer.byteLength(s) <= maxBytes && Buffer.from(s).toString() === s);

const common = {
  uid: fc.integer({ min: 1, max: 0xffff }),
  privilege: fc.integer({ min: 0, max: 255 }),
  card: fc.integer({ min: 0, max: 0xffffffff }),
  group: fc.integer({ min: 0, max: 255 }),
};

describe("properties", () => {
  test("72-byte users round-trip", () => {
    const arb = fc.record({ ...common, password: text(8), name: text(23), userId: text(23) });
    fc.assert(
      fc.property(arb, (u) => {
        const b = encodeUser72(u);
        expect(b.length).toBe(72);
        expect(decodeUser72(b)).toEqual(u);
        expect(decodeUser72(Buffer.concat([Buffer.alloc(5), b]), 5)).toEqual(u);
      }),
      { numRuns: 500 },
    );
  });

  test("28-byte users round-trip (numeric user id)", () => {
    const arb = fc.record({
      ...common,
      password: text(5),
      name: text(8),
      userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
    });
    fc.assert(
      fc.property(arb, (u) => {
        const b = encodeUser28(u);
        expect(b.length).toBe(28);
        expect(decodeUser28(b)).toEqual(u);
      }),
      { numRuns: 500 },
    );
  });

  test("latin1 names round-trip with the latin1 code page", () => {
    const latin = fc.string({
      unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 23,
    });
    fc.assert(
      fc.property(latin, (name) => {
        const u = user({ uid: 1, userId: "1", name });
        expect(decodeUser72(encodeUser72(u, "latin1"), 0, "latin1").name).toBe(name);
      }),
    );
  });

  test("a buffer of n users decodes to those n users, in order", () => {
    const arb = fc.array(fc.record({ ...common, password: text(8), name: text(23), userId: text(23) }), {
      minLength: 1,
      maxLength: 12,
    });
    fc.assert(
      fc.property(arb, (users) => {
        const buf = wrapRecords(Buffer.concat(users.map((u) => encodeUser72(u))));
        expect(decodeUsers(unwrapRecords(buf), users.length)).toEqual(users);
      }),
      { numRuns: 100 },
    );
  });
});
