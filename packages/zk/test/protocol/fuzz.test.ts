// Robustness: hostile or corrupt bytes must end in a value or a typed error (ZkProtocolError,
// RangeError), never another exception, a hang, or unbounded buffering.
import fc from "fast-check";
import {
  MAX_FRAME_LENGTH,
  TcpFramer,
  decodeAttLogEvent,
  decodeAttendanceRecords,
  decodeFreeSizes,
  decodePacket,
  decodeUsers,
  encodePacket,
  unwrapRecords,
} from "../../src/protocol/index.js";
import { FRAMES, LIVE_EVENT_32_BAD_CHECKSUM, R, hex, isTypedError, typed } from "./vectors.js";

jest.setTimeout(30_000);

type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "cut"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; n: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255) }),
    weight: 4,
  },
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }),
);

function mutate(input: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = m.at % (b.length + 1);
    if (m.kind === "set" && at < b.length) b[at] = m.value;
    else if (m.kind === "cut") b = b.subarray(0, at);
    else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
  }
  return b;
}

const golden = [...Object.values(FRAMES), "5050827d28000000" + LIVE_EVENT_32_BAD_CHECKSUM].map(hex);
const goldenArb = fc.constantFrom(...golden);
const mutatedArb = (base: fc.Arbitrary<Buffer>) =>
  fc.tuple(base, fc.array(mutationArb, { maxLength: 6 })).map(([b, ms]) => mutate(b, ms));
const randomArb = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
/** Random bytes, mutated golden frames, or mutated golden packets (wrapper removed). */
const bytesArb = fc.oneof(randomArb, mutatedArb(goldenArb), mutatedArb(goldenArb.map((f) => f.subarray(8))));

const recordsArb = (...payloads: Buffer[]) => fc.oneof(randomArb, mutatedArb(fc.constantFrom(...payloads)));

const A40 = hex("0d00393939313131333333" + "00".repeat(15) + "016bb368230000000000ff000000");
const usersOf = (frame: string) => unwrapRecords(decodePacket(hex(frame).subarray(8)).data);

describe("decoders on corrupt input", () => {
  test("decodePacket: a packet or a typed error; what validates re-encodes to itself", () => {
    fc.assert(
      fc.property(bytesArb, fc.boolean(), (b, verifyChecksum) => {
        const p = typed(() => decodePacket(b, { verifyChecksum }));
        if (p === undefined) {
          // Only input shorter than the header, or a bad checksum when checking, may fail.
          expect(b.length < 8 || verifyChecksum).toBe(true);
          return;
        }
        expect(b.length).toBeGreaterThanOrEqual(8);
        if (verifyChecksum) expect(encodePacket(p).equals(b)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test("unwrapRecords: the announced bytes or a typed error", () => {
    fc.assert(
      fc.property(bytesArb, (b) => {
        const r = typed(() => unwrapRecords(b));
        if (r !== undefined) expect(r.length).toBe(b.readUInt32LE(0));
      }),
      { numRuns: 1000 },
    );
  });

  test("decodeUsers: whole records or a typed error", () => {
    const recs = recordsArb(usersOf(R.R16), usersOf(R.R17), hex(R.R17).subarray(20));
    fc.assert(
      fc.property(recs, fc.integer({ min: 0, max: 30 }), (b, count) => {
        const users = typed(() => decodeUsers(b, count));
        if (users !== undefined && users.length > 0) {
          const size = b.length / users.length;
          expect([28, 72]).toContain(size);
          expect(users.every((u) => Number.isInteger(u.uid) && typeof u.userId === "string")).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("decodeAttendanceRecords: whole records or a typed error", () => {
    const recs = recordsArb(A40, Buffer.concat([A40, A40, A40]), hex("07002800a8eba71e07002800a8eba71e"));
    fc.assert(
      fc.property(recs, fc.integer({ min: 0, max: 30 }), (b, count) => {
        const rs = typed(() => decodeAttendanceRecords(b, count));
        if (rs !== undefined) {
          for (const r of rs) expect(r.timestamp).toMatch(/^20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d$/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("decodeAttLogEvent: events, no events, or a typed error", () => {
    const payloads = [R.R10, R.R11].map((f) => hex(f).subarray(16));
    const recs = recordsArb(...payloads, hex(LIVE_EVENT_32_BAD_CHECKSUM).subarray(8));
    fc.assert(
      fc.property(recs, (b) => {
        const events = typed(() => decodeAttLogEvent(b));
        if (events !== undefined) expect(events.length).toBeLessThanOrEqual(Math.max(1, b.length / 52));
      }),
      { numRuns: 1000 },
    );
  });

  test("decodeFreeSizes: counters or a typed error", () => {
    fc.assert(
      fc.property(recordsArb(hex(R.R5).subarray(16)), (b) => {
        const s = typed(() => decodeFreeSizes(b));
        if (s !== undefined) expect(b.length).toBeGreaterThanOrEqual(80);
      }),
      { numRuns: 500 },
    );
  });
});

describe("TcpFramer on corrupt streams", () => {
  /** A wrapper announcing an arbitrary length, often a bogus one. */
  const headerArb = fc
    .oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 0xffffffff }))
    .map((len) => {
      const h = Buffer.from("5050827d00000000", "hex");
      h.writeUInt32LE(len, 4);
      return h;
    });
  const pieceArb = fc.oneof(
    { arbitrary: goldenArb, weight: 3 },
    { arbitrary: mutatedArb(goldenArb), weight: 3 },
    headerArb,
    randomArb,
  );

  function run(framer: TcpFramer, max: number, stream: Buffer, points: number[]): void {
    const at = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
    let prev = 0;
    for (const p of [...at, stream.length]) {
      const chunk = stream.subarray(prev, p);
      prev = p;
      let frames: Buffer[] = [];
      try {
        frames = framer.push(chunk);
      } catch (e) {
        expect(isTypedError(e)).toBe(true);
        expect(framer.buffered).toBe(0); // the stream is dropped, nothing is kept
      }
      for (const f of frames) {
        expect(f.length).toBeGreaterThanOrEqual(8);
        expect(f.length).toBeLessThanOrEqual(max);
      }
      expect(framer.buffered).toBeLessThanOrEqual(max + 8);
    }
  }

  test("default limit: typed errors only, buffered <= MAX_FRAME_LENGTH + 8", () => {
    fc.assert(
      fc.property(
        fc.array(pieceArb, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (pieces, pts) => {
          run(new TcpFramer(), MAX_FRAME_LENGTH, Buffer.concat(pieces), pts);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("small limit, so golden frames exceed it: buffered <= limit + 8", () => {
    const max = 64;
    fc.assert(
      fc.property(
        fc.array(pieceArb, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (pieces, pts) => {
          run(new TcpFramer(max), max, Buffer.concat(pieces), pts);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("pure random bytes in random chunks", () => {
    fc.assert(
      fc.property(fc.array(randomArb, { maxLength: 10 }), (chunks) => {
        const framer = new TcpFramer();
        for (const c of chunks) {
          typed(() => framer.push(c));
          expect(framer.buffered).toBeLessThanOrEqual(MAX_FRAME_LENGTH + 8);
        }
      }),
      { numRuns: 500 },
    );
  });
});
