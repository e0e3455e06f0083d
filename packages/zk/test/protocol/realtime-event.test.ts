import fc from "fast-check";
import {
  Command,
  EventFlag,
  ZkProtocolError,
  decodeAttLogEvent,
  decodePacket,
  encodeAttLogEvent,
  encodeTcpFrame,
  isRegistered,
  type AttLogEvent,
} from "../../src/protocol/index.js";
import { LIVE_EVENT_32_BAD_CHECKSUM, R, hex } from "./vectors.js";

const payload = (frame: string): Buffer => decodePacket(hex(frame).subarray(8)).data;

describe("golden events (§7, §10)", () => {
  test("R10: 12-byte EF_ATTLOG, user 4822257, 2018-12-07 19:09:06", () => {
    const data = payload(R.R10);
    expect(decodeAttLogEvent(data)).toEqual([
      { userId: "4822257", verify: 0, punch: 0, timestamp: "2018-12-07T19:09:06" },
    ]);
    expect(encodeAttLogEvent(decodeAttLogEvent(data)[0]!, 12).equals(data)).toBe(true);
  });

  test("R11: 32-byte EF_ATTLOG, 999111333, verify 1 (fingerprint), check-in, 2018-06-25 17:41:05", () => {
    const data = payload(R.R11);
    const events = decodeAttLogEvent(data);
    expect(events).toEqual([{ userId: "999111333", verify: 1, punch: 0, timestamp: "2018-06-25T17:41:05" }]);
    expect(encodeAttLogEvent(events[0]!, 32).equals(data)).toBe(true);
  });

  test("R11 rebuilt as an event packet reproduces the frame", () => {
    const event = decodeAttLogEvent(payload(R.R11))[0]!;
    const frame = encodeTcpFrame({
      command: Command.REG_EVENT,
      sessionId: EventFlag.ATTLOG,
      replyId: 0,
      data: encodeAttLogEvent(event, 32),
    });
    expect(frame.toString("hex")).toBe(R.R11);
  });

  test("R12: EF_FPFTR event with a 1-byte score of 100 is not an attendance event", () => {
    const p = decodePacket(hex(R.R12).subarray(8));
    expect(p.sessionId).toBe(EventFlag.FPFTR);
    expect(p.data[0]).toBe(100);
    expect(decodeAttLogEvent(p.data)).toEqual([]); // length 1: no ATTLOG layout
  });

  test("test.py's 32-byte live event payload: 1140064, status 15, punch 0, 2018-11-29 12:55:03", () => {
    const data = hex(LIVE_EVENT_32_BAD_CHECKSUM).subarray(8);
    expect(data.length).toBe(32);
    expect(decodeAttLogEvent(data)).toEqual([
      { userId: "1140064", verify: 15, punch: 0, timestamp: "2018-11-29T12:55:03" },
    ]);
  });
});

describe("layouts chosen by length", () => {
  const ev: AttLogEvent = { userId: "999111333", verify: 1, punch: 5, timestamp: "2018-06-25T17:41:05" };
  const long = encodeAttLogEvent(ev, 32);

  test("10 bytes: u16 user id, status, punch, timehex", () => {
    const b = hex("3930" + "0104" + "120619112905");
    expect(decodeAttLogEvent(b)).toEqual([
      { userId: "12345", verify: 1, punch: 4, timestamp: "2018-06-25T17:41:05" },
    ]);
  });

  test("14 bytes: the 10-byte layout plus 4 extra bytes", () => {
    const b = hex("3930" + "0104" + "120619112905" + "deadbeef");
    expect(decodeAttLogEvent(b)).toEqual([
      { userId: "12345", verify: 1, punch: 4, timestamp: "2018-06-25T17:41:05" },
    ]);
  });

  test("36 and 37 bytes: the 32-byte layout plus trailing bytes", () => {
    expect(decodeAttLogEvent(encodeAttLogEvent(ev, 36))).toEqual([ev]);
    expect(decodeAttLogEvent(Buffer.concat([long, Buffer.alloc(5, 0xee)]))).toEqual([ev]);
  });

  test("52 bytes per event, several in one payload", () => {
    const e2 = { ...ev, userId: "7", punch: 1 };
    const rec = (e: AttLogEvent) => Buffer.concat([encodeAttLogEvent(e, 32), Buffer.alloc(20)]);
    expect(decodeAttLogEvent(rec(ev))).toEqual([ev]);
    expect(decodeAttLogEvent(Buffer.concat([rec(ev), rec(e2), rec(ev)]))).toEqual([ev, e2, ev]);
  });

  test.each([0, 1, 8, 11, 16, 31, 33, 40, 53, 60])("unknown length %i yields no events", (n) => {
    expect(decodeAttLogEvent(Buffer.alloc(n, 0x31))).toEqual([]);
  });

  test("an invalid time in a known layout is a ZkProtocolError", () => {
    const b = Buffer.from(long);
    b[27] = 13; // month 13
    expect(() => decodeAttLogEvent(b)).toThrow(ZkProtocolError);
  });

  test("the 12-byte form refuses user ids that are not a u32 instead of writing 0", () => {
    expect(() => encodeAttLogEvent({ ...ev, userId: "A-17" }, 12)).toThrow(RangeError);
    expect(() => encodeAttLogEvent({ ...ev, userId: "4294967296" }, 12)).toThrow(RangeError);
    expect(() => encodeAttLogEvent({ ...ev, userId: "x".repeat(24) }, 32)).toThrow(RangeError);
  });

  test("isRegistered checks the REG_EVENT mask", () => {
    expect(isRegistered(1, EventFlag.ATTLOG)).toBe(true);
    expect(isRegistered(1, EventFlag.FPFTR)).toBe(false);
    expect(isRegistered(0xffff, EventFlag.ALARM)).toBe(true);
    expect(isRegistered(0, EventFlag.ATTLOG)).toBe(false);
  });
});

const wallClock = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 19));
const byte = fc.integer({ min: 0, max: 255 });

describe("properties", () => {
  test("32/36-byte events round-trip with text user ids", () => {
    const text = fc
      .string({ unit: "grapheme", maxLength: 23 })
      .filter((s) => !s.includes("\0") && Buffer.byteLength(s) <= 23 && Buffer.from(s).toString() === s);
    const arb = fc.record({ userId: text, verify: byte, punch: byte, timestamp: wallClock });
    fc.assert(
      fc.property(arb, fc.constantFrom(32 as const, 36 as const), (e, size) => {
        const b = encodeAttLogEvent(e, size);
        expect(b.length).toBe(size);
        expect(decodeAttLogEvent(b)).toEqual([e]);
      }),
      { numRuns: 300 },
    );
  });

  test("12-byte events round-trip with numeric user ids", () => {
    const arb = fc.record({
      userId: fc.integer({ min: 0, max: 0xffffffff }).map(String),
      verify: byte,
      punch: byte,
      timestamp: wallClock,
    });
    fc.assert(
      fc.property(arb, (e) => {
        const b = encodeAttLogEvent(e, 12);
        expect(b.length).toBe(12);
        expect(decodeAttLogEvent(b)).toEqual([e]);
      }),
      { numRuns: 300 },
    );
  });
});
