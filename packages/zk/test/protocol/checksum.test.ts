import fc from "fast-check";
import { ZkProtocolError, decodePacket, encodePacket, zkChecksum } from "../../src/protocol/index.js";
import { FRAMES, LIVE_EVENT_32_BAD_CHECKSUM, UDP, hex } from "./vectors.js";

/** The reference function printed in §1.4 (folds at every step), used as an oracle. */
function referenceChecksum(pkt: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < pkt.length; i += 2) {
    if (i === 2) continue;
    sum += pkt[i]! | ((i + 1 < pkt.length ? pkt[i + 1]! : 0) << 8);
    if (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

const packetArb = fc.record({
  command: fc.integer({ min: 0, max: 0xffff }),
  sessionId: fc.integer({ min: 0, max: 0xffff }),
  replyId: fc.integer({ min: 0, max: 0xffff }),
  data: fc.uint8Array({ maxLength: 96 }).map((a) => Buffer.from(a)),
});

describe("§1.4 worked examples", () => {
  test("CONNECT: 0x03E8 inverted is 0xFC17", () => {
    expect(zkChecksum(hex("e80317fc00000000"))).toBe(0xfc17);
  });
  test("with a carry: 0x07D0 + 0xFB2F folds to 0x0300, checksum 0xFCFF", () => {
    expect(zkChecksum(hex("d007fffc2ffb0000"))).toBe(0xfcff);
  });
  test("odd length: last byte is a low byte, checksum 0xBBBA", () => {
    expect(zkChecksum(hex("d007babb5c3c100009"))).toBe(0xbbba);
    // and the frame it came from (test_tcp_get_users_broken_tcp) validates
    expect(decodePacket(hex("d007babb5c3c100009")).data).toEqual(Buffer.from([9]));
  });
  test("the checksum field's own content is ignored", () => {
    expect(zkChecksum(hex("e803000000000000"))).toBe(0xfc17);
    expect(zkChecksum(hex("e803ffff00000000"))).toBe(0xfc17);
  });
});

describe("checksum-only vectors [A] (payload only)", () => {
  test("ZKFaceVersion request: 0x175A", () => expect(zkChecksum(hex(UDP.faceVersion))).toBe(0x175a));
  test("R15: 0x6A29", () => expect(zkChecksum(hex(UDP.R15))).toBe(0x6a29));
});

describe("every golden frame's checksum", () => {
  test.each(Object.keys(FRAMES))("%s", (name) => {
    const pkt = hex(FRAMES[name]!).subarray(8);
    expect(zkChecksum(pkt)).toBe(pkt.readUInt16LE(2));
  });
});

test("test.py's 32-byte live event has a copied (wrong) checksum; the right one is 0x4BCC", () => {
  const pkt = hex(LIVE_EVENT_32_BAD_CHECKSUM);
  expect(pkt.readUInt16LE(2)).toBe(0x43ae);
  expect(zkChecksum(pkt)).toBe(0x4bcc);
  expect(() => decodePacket(pkt)).toThrow(ZkProtocolError);
  // Re-encoding fixes only the checksum.
  const fixed = encodePacket(decodePacket(pkt, { verifyChecksum: false }));
  expect(fixed.readUInt16LE(2)).toBe(0x4bcc);
  expect(fixed.subarray(4).equals(pkt.subarray(4))).toBe(true);
});

describe("0x0000 / 0xFFFF edge cases (ones'-complement has two zeros)", () => {
  test("an all-zero packet sums to 0: checksum 0xFFFF", () => {
    expect(zkChecksum(Buffer.alloc(8))).toBe(0xffff);
    expect(
      encodePacket({ command: 0, sessionId: 0, replyId: 0, data: Buffer.alloc(3) }).toString("hex"),
    ).toBe("0000ffff00000000000000");
  });

  test("a packet summing to 0xFFFF (negative zero) gets checksum 0x0000", () => {
    const bytes = encodePacket({ command: 0xffff, sessionId: 0, replyId: 0, data: Buffer.alloc(0) });
    expect(bytes.toString("hex")).toBe("ffff000000000000");
    expect(decodePacket(bytes).command).toBe(0xffff);
    // Other word sets that add up to 0xFFFF: 0xFF00 + 0x00FF, 0x8000 + 0x7FFF.
    expect(zkChecksum(hex("00ff0000ff000000"))).toBe(0);
    expect(zkChecksum(hex("00800000ff7f0000"))).toBe(0);
    // ...and one that passes 0xFFFF and folds: 0xFFFF + 0x0001 = 0x10000 -> 0x0001.
    expect(zkChecksum(hex("ffff000001000000"))).toBe(0xfffe);
  });

  test("validation is exact (§1.4: compare with bytes 2-3): the other zero is not accepted", () => {
    // An RFC 1071 "sum everything and expect 0xFFFF" receiver would accept both forms.
    expect(() => decodePacket(hex("ffffffff00000000"))).toThrow(ZkProtocolError);
    expect(() => decodePacket(hex("0000000000000000"))).toThrow(ZkProtocolError);
    expect(decodePacket(hex("0000ffff00000000")).command).toBe(0);
  });
});

describe("properties", () => {
  test("zkChecksum equals the §1.4 reference on any byte string of 4+ bytes, odd or even", () => {
    // (Below 4 bytes the checksum field itself is incomplete and the two disagree on a 3rd byte.)
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4, maxLength: 300 }),
        (a) => zkChecksum(a) === referenceChecksum(a),
      ),
      { numRuns: 500 },
    );
  });

  test("long packets: folding once at the end is the same as folding every step", () => {
    const big = Buffer.alloc(70000, 0xff);
    expect(zkChecksum(big)).toBe(referenceChecksum(big));
    expect(zkChecksum(big)).toBe(0);
  });

  test("encoded packets validate and decode to what was encoded", () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const bytes = encodePacket(p);
        expect(zkChecksum(bytes)).toBe(bytes.readUInt16LE(2));
        const q = decodePacket(bytes);
        expect(q).toEqual({ ...p, data: p.data });
      }),
    );
  });

  test("any single-byte change to a valid packet is rejected by decodePacket", () => {
    // A change of one byte moves the word sum by d with 0 < |d| <= 0xFF00 < 0xFFFF, so the
    // ones'-complement sum always changes; a change in bytes 2-3 changes the stored value.
    fc.assert(
      fc.property(packetArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (p, at, delta) => {
        const bytes = encodePacket(p);
        const i = at % bytes.length;
        bytes[i] = (bytes[i]! + delta) & 0xff;
        expect(() => decodePacket(bytes)).toThrow(ZkProtocolError);
      }),
      { numRuns: 1000 },
    );
  });

  test("single-byte changes to every golden frame are rejected (exhaustive over positions)", () => {
    for (const h of Object.values(FRAMES)) {
      const pkt = hex(h).subarray(8);
      for (let i = 0; i < pkt.length; i++) {
        for (const delta of [1, 0x80, 0xff]) {
          const m = Buffer.from(pkt);
          m[i] = (m[i]! + delta) & 0xff;
          expect(() => decodePacket(m)).toThrow(ZkProtocolError);
        }
      }
    }
  });
});
