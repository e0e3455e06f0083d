import {
  Command,
  EventFlag,
  MAX_REPLY_ID,
  Reply,
  ZkProtocolError,
  decodePacket,
  encodePacket,
  encodeTcpFrame,
  nextReplyId,
  zkChecksum,
  type ZkPacket,
} from "../../src/protocol/index.js";
import { C, FRAMES, R, UDP, hex } from "./vectors.js";

/** Strip and check the TCP wrapper by hand, independently of TcpFramer. */
function unwrap(frame: Buffer): Buffer {
  expect(frame.subarray(0, 4).toString("hex")).toBe("5050827d");
  expect(frame.readUInt32LE(4)).toBe(frame.length - 8);
  return frame.subarray(8);
}

type Expect = [command: number, sessionId: number, replyId: number, data: string];

// §10 "Meaning" column, field by field.
const EXPECTED: Record<string, Expect> = {
  C1: [Command.CONNECT, 0, 0, ""],
  C2: [Command.EXIT, 0xfb2f, 1, ""],
  C3: [Command.AUTH, 0x45cf, 1, "614d323c"],
  C4: [Command.AUTH, 0x45cf, 1, "61c9323c"],
  C5: [Command.EXIT, 0x45cf, 2, ""],
  C6: [Command.GET_FREE_SIZES, 0x45cf, 2, ""],
  C7: [Command.PREPARE_BUFFER, 0x45cf, 20, "0109000500000000000000"],
  C8: [Command.FREE_DATA, 0x3c5c, 23, ""],
  C9: [Command.OPTIONS_RRQ, 0x8df3, 12, Buffer.from("~Platform\0").toString("hex")],
  C10: [Command.OPTIONS_WRQ, 0xc584, 0x47, Buffer.from("LockOn=5\0").toString("hex")],
  C11: [Command.USER_WRQ, 0x8a9d, 0x5c, C.C11.slice(32)],
  C12: [Reply.ACK_OK, 0x45cf, 0, ""],
  C13: [Command.REG_EVENT, 0x45cf, 4, "01000000"],
  C14: [Command.READ_BUFFER, 0x3c5c, 22, "00000000b4130000"],
  C15: [Command.SET_TIME, 0x45cf, 4, "d2414624"],
  C16: [Command.OPTIONS_RRQ, 0x45cf, 4, Buffer.from("~SerialNumber\0").toString("hex")],
  R1: [Reply.ACK_OK, 0xfb2f, 0, ""],
  R2: [Reply.ACK_UNAUTH, 0x45cf, 0, ""],
  R3: [Reply.ACK_UNAUTH, 0x45cf, 1, ""],
  R4: [Reply.ACK_OK, 0x45cf, 1, ""],
  R5: [Reply.ACK_OK, 0x6396, 19, R.R5.slice(32)],
  R6: [Reply.ACK_OK, 0x3c5c, 21, "00b4130000b4130000cdef2300"],
  R7: [Command.PREPARE_DATA, 0x3c5c, 22, "b4130000f0030000"],
  R8: [Command.DATA, 5, 22, "00000000"], // fragment index 5 in the session field
  R9a: [Command.PREPARE_DATA, 0x98d0, 50, "dc040000f0030000"],
  R9b: [Reply.ACK_OK, 1, 50, ""],
  R10: [Command.REG_EVENT, EventFlag.ATTLOG, 0, "f19449000000120c07130906"],
  R11: [Command.REG_EVENT, EventFlag.ATTLOG, 0, R.R11.slice(32)],
  R12: [Command.REG_EVENT, EventFlag.FPFTR, 0, "64"],
  R13: [Reply.ACK_OK, 0x8df3, 12, Buffer.from("~Platform=ZEM760_TFT\0").toString("hex")],
  R14: [Reply.ACK_OK, 2, 55, ""], // device state 2 in the session field
  R16: [Command.DATA, 0x2058, 21, R.R16.slice(32)],
  R17: [Command.DATA, 0x6396, 21, R.R17.slice(32)],
};

describe("golden TCP frames (§10)", () => {
  test("every frame in the vector table has an expectation", () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(FRAMES).sort());
  });

  test.each(Object.keys(FRAMES))(
    "%s decodes to the documented fields and re-encodes byte for byte",
    (name) => {
      const frame = hex(FRAMES[name]!);
      const [command, sessionId, replyId, data] = EXPECTED[name]!;
      const p = decodePacket(unwrap(frame));
      expect(p.command).toBe(command);
      expect(p.sessionId).toBe(sessionId);
      expect(p.replyId).toBe(replyId);
      expect(p.data.toString("hex")).toBe(data);
      expect(encodeTcpFrame(p).toString("hex")).toBe(FRAMES[name]);
      expect(encodePacket(p).toString("hex")).toBe(FRAMES[name]!.slice(16));
    },
  );

  test("lengths match the vector table (R16 156, R17 516, R5 100)", () => {
    expect(hex(R.R16).readUInt32LE(4)).toBe(156);
    expect(hex(R.R17).length).toBe(524);
    expect(hex(R.R5).readUInt32LE(4)).toBe(100);
  });
});

describe("UDP forms (no wrapper)", () => {
  test.each([
    ["C1", Command.CONNECT, 0, 0],
    ["C2", Command.EXIT, 0xfb2f, 1],
    ["R1", Reply.ACK_OK, 0xfb2f, 0],
  ] as const)("%s", (name, command, sessionId, replyId) => {
    const p = decodePacket(hex(UDP[name]));
    expect(p).toMatchObject({ command, sessionId, replyId });
    expect(p.data.length).toBe(0);
    expect(encodePacket(p).toString("hex")).toBe(UDP[name]);
    // The TCP frame of the same packet is the wrapper plus these bytes.
    expect(encodeTcpFrame(p).toString("hex")).toBe(FRAMES[name]);
  });

  test("R15: odd-length ACK_OK carrying one byte 09", () => {
    const p = decodePacket(hex(UDP.R15));
    expect(p).toMatchObject({ command: Reply.ACK_OK, sessionId: 0x8df3, replyId: 10 });
    expect([...p.data]).toEqual([9]);
    expect(encodePacket(p).toString("hex")).toBe(UDP.R15);
  });
});

describe("encodePacket", () => {
  test("CONNECT from scratch is C1", () => {
    const p: ZkPacket = { command: Command.CONNECT, sessionId: 0, replyId: 0, data: Buffer.alloc(0) };
    expect(encodeTcpFrame(p).toString("hex")).toBe(C.C1);
  });

  test("the stored checksum is zkChecksum of the packet as sent", () => {
    const bytes = encodePacket({ command: 1, sessionId: 2, replyId: 3, data: Buffer.from([4, 5, 6]) });
    expect(bytes.readUInt16LE(2)).toBe(zkChecksum(bytes));
    expect(bytes.length).toBe(11);
  });

  test("decodePacket returns a view: data is not copied", () => {
    const bytes = hex(UDP.R15);
    const p = decodePacket(bytes);
    expect(p.data.buffer).toBe(bytes.buffer);
  });
});

describe("decodePacket errors", () => {
  test("shorter than the header", () => {
    for (let n = 0; n < 8; n++) expect(() => decodePacket(Buffer.alloc(n))).toThrow(ZkProtocolError);
  });

  test("a bad checksum is rejected unless verification is off", () => {
    const bytes = hex(UDP.C1);
    bytes[2] = bytes[2]! ^ 1;
    expect(() => decodePacket(bytes)).toThrow(/bad checksum/);
    expect(decodePacket(bytes, { verifyChecksum: false }).command).toBe(Command.CONNECT);
  });
});

describe("nextReplyId (§1.6)", () => {
  test("counts up and wraps 65534 -> 0; 65535 is never produced", () => {
    expect(MAX_REPLY_ID).toBe(65534);
    expect(nextReplyId(0)).toBe(1);
    expect(nextReplyId(19)).toBe(20);
    expect(nextReplyId(65533)).toBe(65534);
    expect(nextReplyId(65534)).toBe(0);
    // pyzk starts at 65534 so CONNECT goes out with reply id 0 (C1).
    expect(nextReplyId(MAX_REPLY_ID)).toBe(hex(C.C1).readUInt16LE(14));
  });
});
