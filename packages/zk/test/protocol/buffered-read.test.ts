import fc from "fast-check";
import {
  Command,
  Fct,
  ZkProtocolError,
  decodeBufferDescriptor,
  decodePacket,
  decodePrepareBuffer,
  decodePrepareData,
  decodeReadBuffer,
  encodeBufferDescriptor,
  encodePrepareBuffer,
  encodePrepareData,
  encodeReadBuffer,
  unwrapRecords,
  wrapRecords,
} from "../../src/protocol/index.js";
import { C, R, hex } from "./vectors.js";

const data = (frame: string): Buffer => decodePacket(hex(frame).subarray(8)).data;

describe("golden buffered-read payloads (§6)", () => {
  test("C7: PREPARE_BUFFER for users = 01 0900 05000000 00000000", () => {
    expect(encodePrepareBuffer(Command.USERTEMP_RRQ, Fct.USER).equals(data(C.C7))).toBe(true);
    expect(decodePrepareBuffer(data(C.C7))).toEqual({ command: 9, fct: 5, ext: 0 });
  });

  test("§6.1 descriptors for templates and attendance", () => {
    expect(encodePrepareBuffer(Command.DB_RRQ, Fct.FINGERTMP).toString("hex")).toBe("0107000200000000000000");
    expect(encodePrepareBuffer(Command.ATTLOG_RRQ, 0).toString("hex")).toBe("010d000000000000000000");
  });

  test("R6: ACK_OK descriptor, size 5044, trailing field cdef2300", () => {
    expect(decodeBufferDescriptor(data(R.R6))).toBe(5044);
    expect(encodeBufferDescriptor(5044, 0x0023efcd).equals(data(R.R6))).toBe(true);
  });

  test("C14: READ_BUFFER(0, 5044)", () => {
    expect(encodeReadBuffer(0, 5044).equals(data(C.C14))).toBe(true);
    expect(decodeReadBuffer(data(C.C14))).toEqual({ start: 0, length: 5044 });
  });

  test("R7 and R9: PREPARE_DATA 5044/1008 and 1244/1008", () => {
    expect(decodePrepareData(data(R.R7))).toBe(5044);
    expect(encodePrepareData(5044, 1008).equals(data(R.R7))).toBe(true);
    expect(decodePrepareData(data(R.R9a))).toBe(1244);
    expect(encodePrepareData(1244, 1008).equals(data(R.R9a))).toBe(true);
  });

  test("R16/R17: the DATA payload starts with the record byte count (144, 504)", () => {
    expect(unwrapRecords(data(R.R16)).length).toBe(144);
    expect(unwrapRecords(data(R.R17)).length).toBe(504);
    expect(unwrapRecords(hex("00000000")).length).toBe(0);
  });

  test("trailing excess is ignored; a short buffer is a ZkProtocolError", () => {
    expect(unwrapRecords(hex("02000000aabbcc")).toString("hex")).toBe("aabb");
    expect(() => unwrapRecords(hex("03000000aabb"))).toThrow(ZkProtocolError);
    expect(() => unwrapRecords(hex("020000"))).toThrow(ZkProtocolError);
  });

  test("truncated payloads are ZkProtocolErrors", () => {
    expect(() => decodePrepareBuffer(Buffer.alloc(10))).toThrow(ZkProtocolError);
    expect(() => decodeBufferDescriptor(Buffer.alloc(4))).toThrow(ZkProtocolError);
    expect(() => decodeReadBuffer(Buffer.alloc(7))).toThrow(ZkProtocolError);
    expect(() => decodePrepareData(Buffer.alloc(3))).toThrow(ZkProtocolError);
  });
});

describe("properties", () => {
  test("wrapRecords / unwrapRecords round trip", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
        const records = Buffer.from(a);
        const wrapped = wrapRecords(records);
        expect(wrapped.readUInt32LE(0)).toBe(records.length);
        expect(unwrapRecords(wrapped).equals(records)).toBe(true);
      }),
    );
  });

  test("READ_BUFFER and descriptor round trips", () => {
    const i31 = fc.integer({ min: 0, max: 2 ** 31 - 1 });
    fc.assert(
      fc.property(i31, i31, (start, length) => {
        expect(decodeReadBuffer(encodeReadBuffer(start, length))).toEqual({ start, length });
        expect(decodeBufferDescriptor(encodeBufferDescriptor(length))).toBe(length);
        expect(decodePrepareData(encodePrepareData(length, 1008))).toBe(length);
      }),
    );
  });
});
