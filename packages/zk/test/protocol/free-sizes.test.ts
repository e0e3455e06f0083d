import fc from "fast-check";
import { ZkProtocolError, decodeFreeSizes, decodePacket, encodeFreeSizes } from "../../src/protocol/index.js";
import { R, hex } from "./vectors.js";

// test.py test_tcp_get_users_broken_data: an 80-byte reply (no face counters).
const SIZES_80 =
  "5050827d58000000d0074c49582013000000000000000000000000000000000002000000000000000000000000000000" +
  "000000000000000007000000000000000000000000000000f4010000f401000050c30000f4010000f201000050c30000";

describe("golden free-sizes replies (§5.6)", () => {
  test("R5 (92 bytes): users 7, fingers 6, records 605, [10]=3087, [12]=1, caps and remaining", () => {
    const data = decodePacket(hex(R.R5).subarray(8)).data;
    expect(data.length).toBe(92);
    const s = decodeFreeSizes(data);
    expect(s).toEqual({
      users: 7,
      fingers: 6,
      records: 605,
      opLogs: 3087,
      admins: 1,
      passwords: 0,
      fingersCapacity: 3000,
      usersCapacity: 10000,
      recordsCapacity: 100000,
      fingersAvailable: 2994,
      usersAvailable: 9993,
      recordsAvailable: 99395,
      faces: 0,
      facesCapacity: 0,
    });
    expect(encodeFreeSizes(s).equals(data)).toBe(true);
  });

  test("R5 as test.py printed it (86 bytes, 6 missing) still yields the 80-byte fields", () => {
    const data = decodePacket(hex(R.R5).subarray(8)).data.subarray(0, 86);
    const s = decodeFreeSizes(data);
    expect(s).toMatchObject({ users: 7, fingers: 6, records: 605, recordsCapacity: 100000 });
    expect(s.faces).toBeUndefined();
  });

  test("80-byte form: no face counters, re-encodes to 80 bytes", () => {
    const data = decodePacket(hex(SIZES_80).subarray(8)).data;
    expect(data.length).toBe(80);
    const s = decodeFreeSizes(data);
    expect(s).toMatchObject({ users: 2, fingers: 0, records: 0, opLogs: 7, usersCapacity: 500 });
    expect(s).toMatchObject({ fingersCapacity: 500, recordsCapacity: 50000, usersAvailable: 498 });
    expect("faces" in s).toBe(false);
    expect(encodeFreeSizes(s).equals(data)).toBe(true);
  });

  test("shorter than 80 bytes is a ZkProtocolError", () => {
    expect(() => decodeFreeSizes(Buffer.alloc(79))).toThrow(ZkProtocolError);
  });
});

describe("properties", () => {
  const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
  const base = fc.record({
    users: i32,
    fingers: i32,
    records: i32,
    opLogs: i32,
    admins: i32,
    passwords: i32,
    fingersCapacity: i32,
    usersCapacity: i32,
    recordsCapacity: i32,
    fingersAvailable: i32,
    usersAvailable: i32,
    recordsAvailable: i32,
  });

  test("80-byte round trip, fields at the documented indexes", () => {
    fc.assert(
      fc.property(base, (s) => {
        const b = encodeFreeSizes(s);
        expect(b.length).toBe(80);
        expect(decodeFreeSizes(b)).toEqual(s);
        expect([b.readInt32LE(16), b.readInt32LE(24), b.readInt32LE(32)]).toEqual([
          s.users,
          s.fingers,
          s.records,
        ]);
        expect([b.readInt32LE(60), b.readInt32LE(76)]).toEqual([s.usersCapacity, s.recordsAvailable]);
        for (const i of [0, 1, 2, 3, 5, 7, 9, 11]) expect(b.readInt32LE(i * 4)).toBe(0);
      }),
    );
  });

  test("92-byte round trip with faces at index 20 and capacity at 22", () => {
    fc.assert(
      fc.property(base, i32, i32, (s, faces, facesCapacity) => {
        const full = { ...s, faces, facesCapacity };
        const b = encodeFreeSizes(full);
        expect(b.length).toBe(92);
        expect([b.readInt32LE(80), b.readInt32LE(88)]).toEqual([faces, facesCapacity]);
        expect(decodeFreeSizes(b)).toEqual(full);
      }),
    );
  });
});
