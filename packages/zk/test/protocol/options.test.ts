import {
  decodeOptionKey,
  decodeOptionValue,
  decodeOptionWrite,
  decodePacket,
  encodeOptionRead,
  encodeOptionReply,
  encodeOptionWrite,
} from "../../src/protocol/index.js";
import { C, R, hex } from "./vectors.js";

const data = (frame: string): Buffer => decodePacket(hex(frame).subarray(8)).data;

describe("golden option payloads (§2.5, §10)", () => {
  test("C9 / C16: reads are the key and a NUL", () => {
    expect(encodeOptionRead("~Platform").equals(data(C.C9))).toBe(true);
    expect(encodeOptionRead("~SerialNumber").equals(data(C.C16))).toBe(true);
    expect(decodeOptionKey(data(C.C16))).toBe("~SerialNumber");
  });

  test("C10: write LockOn=5 with a NUL", () => {
    expect(encodeOptionWrite("LockOn", "5").equals(data(C.C10))).toBe(true);
    expect(decodeOptionWrite(data(C.C10))).toEqual({ key: "LockOn", value: "5" });
  });

  test("R13: the value after the first '=' up to the first NUL", () => {
    expect(decodeOptionValue(data(R.R13))).toBe("ZEM760_TFT");
    expect(encodeOptionReply("~Platform", "ZEM760_TFT").equals(data(R.R13))).toBe(true);
  });

  test("edge cases: no '=', no NUL, '=' inside the value, pyzk's SDKBuild=1 without NUL", () => {
    expect(decodeOptionValue(Buffer.from("~Platform\0"))).toBeUndefined();
    expect(decodeOptionValue(Buffer.from("A=B=C"))).toBe("B=C");
    expect(decodeOptionValue(Buffer.from("K=v\0garbage=1"))).toBe("v");
    expect(decodeOptionWrite(Buffer.from("SDKBuild=1"))).toEqual({ key: "SDKBuild", value: "1" });
    expect(decodeOptionWrite(Buffer.from("nothing"))).toBeUndefined();
  });
});
