import fc from "fast-check";
import {
  MAX_FRAME_LENGTH,
  TcpFramer,
  ZkProtocolError,
  decodePacket,
  encodeTcpFrame,
} from "../../src/protocol/index.js";
import { FRAMES, R, hex } from "./vectors.js";

/** Push each chunk, collecting emitted packets as hex. */
function feed(framer: TcpFramer, chunks: Buffer[]): string[] {
  return chunks.flatMap((c) => framer.push(c).map((f) => f.toString("hex")));
}

const inner = (frameHex: string): string => frameHex.slice(16);

/** Cut `buf` at the given (unsorted, possibly repeated) offsets. */
function cut(buf: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, buf.length]) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe("captured stream shapes (§1.2)", () => {
  test("R16 as it arrived: 128 bytes (wrapper + 120 of the packet) then 36 bytes", () => {
    const frame = hex(R.R16);
    expect(frame.length).toBe(164);
    const framer = new TcpFramer();
    expect(framer.push(frame.subarray(0, 128))).toEqual([]);
    expect(framer.buffered).toBe(128);
    const out = framer.push(frame.subarray(128));
    expect(out.map((f) => f.toString("hex"))).toEqual([inner(R.R16)]);
    expect(framer.buffered).toBe(0);
    expect(decodePacket(out[0]!).data.readUInt32LE(0)).toBe(144);
  });

  test("R16 split wrapper | 120 | 36", () => {
    const frame = hex(R.R16);
    const framer = new TcpFramer();
    const out = feed(framer, [frame.subarray(0, 8), frame.subarray(8, 128), frame.subarray(128)]);
    expect(out).toEqual([inner(R.R16)]);
  });

  test("PREPARE_BUFFER ack + PREPARE_DATA + last DATA (R6, R7, R8) in one read", () => {
    const framer = new TcpFramer();
    const out = framer.push(hex(R.R6 + R.R7 + R.R8));
    expect(out.map((f) => f.toString("hex"))).toEqual([inner(R.R6), inner(R.R7), inner(R.R8)]);
    expect(out.map((f) => decodePacket(f).command)).toEqual([2000, 1500, 1501]);
    expect(framer.buffered).toBe(0);
  });

  test("R9 template stream head and trailing ACK_OK in one read, followed by half a frame", () => {
    const framer = new TcpFramer();
    const half = hex(R.R17).subarray(0, 300);
    const out = framer.push(Buffer.concat([hex(R.R9a + R.R9b), half]));
    expect(out.map((f) => f.toString("hex"))).toEqual([inner(R.R9a), inner(R.R9b)]);
    expect(framer.buffered).toBe(300);
    expect(feed(framer, [hex(R.R17).subarray(300)])).toEqual([inner(R.R17)]);
  });

  test("every golden frame, one byte at a time, back to back", () => {
    const all = Buffer.concat(Object.values(FRAMES).map(hex));
    const framer = new TcpFramer();
    const out: string[] = [];
    for (let i = 0; i < all.length; i++) {
      out.push(...framer.push(all.subarray(i, i + 1)).map((f) => f.toString("hex")));
      expect(framer.buffered).toBeLessThan(524);
    }
    expect(out).toEqual(Object.values(FRAMES).map(inner));
  });

  test("empty pushes are harmless", () => {
    const framer = new TcpFramer();
    expect(framer.push(Buffer.alloc(0))).toEqual([]);
    expect(feed(framer, [Buffer.alloc(0), hex(R.R1), Buffer.alloc(0)])).toEqual([inner(R.R1)]);
    expect(framer.buffered).toBe(0);
  });
});

describe("corrupt streams", () => {
  test("bad magic throws ZkProtocolError and clears the buffer", () => {
    const framer = new TcpFramer();
    const bad = hex(R.R1);
    bad[3] = 0x72; // pyzk's wrong comment: 0x7282
    expect(() => framer.push(bad)).toThrow(ZkProtocolError);
    expect(framer.buffered).toBe(0);
    // After reset() it accepts a fresh stream.
    framer.reset();
    expect(feed(framer, [hex(R.R1)])).toEqual([inner(R.R1)]);
  });

  test("bad magic is detected as soon as a whole wrapper has arrived, not later", () => {
    const framer = new TcpFramer();
    expect(framer.push(Buffer.from("Invalid"))).toEqual([]);
    expect(() => framer.push(Buffer.from(" tcp data"))).toThrow(/magic/);
  });

  test("a length below the 8-byte header or above the limit throws", () => {
    for (const len of [0, 7, MAX_FRAME_LENGTH + 1, 0xffffffff]) {
      const header = Buffer.from("5050827d00000000", "hex");
      header.writeUInt32LE(len, 4);
      expect(() => new TcpFramer().push(header)).toThrow(ZkProtocolError);
    }
  });

  test("buffered stays below MAX_FRAME_LENGTH + 8 while a maximum-size frame arrives", () => {
    const framer = new TcpFramer();
    const header = Buffer.from("5050827d00000000", "hex");
    header.writeUInt32LE(MAX_FRAME_LENGTH, 4);
    const body = Buffer.alloc(MAX_FRAME_LENGTH);
    expect(framer.push(header)).toEqual([]);
    const step = 1 << 20;
    for (let off = 0; off < body.length - 1; off += step) {
      expect(framer.push(body.subarray(off, Math.min(off + step, body.length - 1)))).toEqual([]);
      expect(framer.buffered).toBeLessThanOrEqual(MAX_FRAME_LENGTH + 8);
    }
    expect(framer.buffered).toBe(MAX_FRAME_LENGTH + 7);
    const out = framer.push(body.subarray(body.length - 1));
    expect(out).toHaveLength(1);
    expect(out[0]!.length).toBe(MAX_FRAME_LENGTH);
    expect(framer.buffered).toBe(0);
  });
});

describe("properties", () => {
  const packetArb = fc.record({
    command: fc.integer({ min: 0, max: 0xffff }),
    sessionId: fc.integer({ min: 0, max: 0xffff }),
    replyId: fc.integer({ min: 0, max: 0xffff }),
    data: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  });
  const goldenArb = fc.constantFrom(...Object.values(FRAMES)).map(hex);
  const frameArb = fc.oneof(goldenArb, packetArb.map(encodeTcpFrame));

  test("any sequence of valid frames split at arbitrary points yields exactly those frames", () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (frames, points) => {
          const stream = Buffer.concat(frames);
          const framer = new TcpFramer();
          const out = feed(framer, cut(stream, points));
          expect(out).toEqual(frames.map((f) => f.subarray(8).toString("hex")));
          expect(framer.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a frame is emitted exactly when its last byte arrives", () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), (frame, p) => {
        const at = p % frame.length; // 0 .. length-1: the first part never completes it
        const framer = new TcpFramer();
        expect(framer.push(frame.subarray(0, at))).toEqual([]);
        expect(framer.buffered).toBe(at);
        expect(feed(framer, [frame.subarray(at)])).toEqual([frame.subarray(8).toString("hex")]);
      }),
    );
  });
});
