// Hostile bytes over real sockets, both ways: random and mutated frames into a live simulated
// device (it keeps serving, answers every well-formed request, never buffers a declared 2 GB),
// and random and mutated replies into ZkClient (typed ZkErrors, no hangs).
import net from "node:net";
import fc from "fast-check";
import { ZkClient } from "../../src/client/index.js";
import {
  Command,
  MAX_FRAME_LENGTH,
  Reply,
  TCP_MAGIC,
  TcpFramer,
  ZkError,
  decodePacket,
  encodeBufferDescriptor,
  encodePacket,
  encodeTcpFrame,
  type ZkPacket,
} from "../../src/protocol/index.js";
import {
  createSession,
  handleRequest,
  startDevice,
  type DeviceServer,
  type DeviceState,
} from "../../src/simulator/index.js";
import { waitFor, within } from "../client/helpers.js";
import { RawTcpClient, RawUdpClient } from "./raw-client.js";

jest.setTimeout(60_000);

// ---- arbitraries ----

const KNOWN = [...Object.values(Command), ...Object.values(Reply)];
/** Commands whose answer ends every session (reboot), and the client's silent ACK of an event. */
const UNANSWERED = new Set<number>([Command.RESTART, Command.POWEROFF, Reply.ACK_OK]);

const commandArb = fc.oneof(fc.constantFrom(...KNOWN), fc.integer({ min: 0, max: 0xffff }));
const dataArb = fc.oneof(
  fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)),
  // Sizes the decoders care about: u16/u32 fields, descriptors, user and attendance records.
  fc
    .constantFrom(1, 2, 3, 4, 5, 8, 11, 13, 28, 40, 72, 92)
    .chain((n) => fc.uint8Array({ minLength: n, maxLength: n }))
    .map((a) => Buffer.from(a)),
);
const packetArb = (sessionId: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff })) =>
  fc.record({
    command: commandArb,
    sessionId,
    replyId: fc.integer({ min: 0, max: 0xffff }),
    data: dataArb,
  });

const flipsArb = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
  minLength: 1,
  maxLength: 4,
});
function flip(bytes: Buffer, flips: readonly [number, number][]): Buffer {
  const b = Buffer.from(bytes);
  for (const [at, mask] of flips) if (b.length > 0) b[at % b.length]! ^= mask;
  return b;
}

function tcpHeader(length: number): Buffer {
  const h = Buffer.alloc(8);
  TCP_MAGIC.copy(h, 0);
  h.writeUInt32LE(length, 4);
  return h;
}

/** Bytes written to a device's TCP port in one go. */
const tcpChunkArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  packetArb().map(encodeTcpFrame), // valid framing and checksum, random command
  fc.tuple(packetArb(), flipsArb).map(([p, f]) => flip(encodeTcpFrame(p), f)),
  // A wrapper declaring any length (huge ones included) followed by a few bytes.
  fc
    .tuple(fc.oneof(fc.nat(64), fc.integer({ min: 0, max: 0xffffffff })), fc.uint8Array({ maxLength: 64 }))
    .map(([length, rest]) => Buffer.concat([tcpHeader(length), rest])),
);

const udpDatagramArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  packetArb().map(encodePacket),
  fc.tuple(packetArb(), flipsArb).map(([p, f]) => flip(encodePacket(p), f)),
);

// ---- the device side ----

describe("a live simulated device under hostile input", () => {
  let device: DeviceServer;
  beforeAll(async () => {
    device = await startDevice({ seed: 71, users: 10, records: 30 });
  });
  afterAll(() => device.close());

  async function answersConnect(): Promise<void> {
    const tcp = await RawTcpClient.open(device.port);
    try {
      expect((await within(tcp.connect(), 2_000, "CONNECT over TCP")).command).toBe(Reply.ACK_OK);
    } finally {
      await tcp.close();
    }
    const udp = await RawUdpClient.open(device.port);
    try {
      expect((await within(udp.connect(), 2_000, "CONNECT over UDP")).command).toBe(Reply.ACK_OK);
    } finally {
      await udp.close();
    }
  }

  /** Send `packet` and wait (bounded) for the reply carrying its reply id (and passing `is`). */
  async function answer(
    client: RawTcpClient | RawUdpClient,
    packet: ZkPacket,
    is: (reply: ZkPacket) => boolean = () => true,
  ): Promise<ZkPacket> {
    client.send(packet.command, packet.data, { sessionId: packet.sessionId, replyId: packet.replyId });
    for (;;) {
      const reply = await within(client.next(), 2_000, `the answer to command ${packet.command}`);
      if (reply.replyId === packet.replyId && is(reply)) return reply;
    }
  }

  test("random and mutated TCP streams: the device closes or answers, and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tcpChunkArb, { minLength: 1, maxLength: 8 }), async (chunks) => {
        const socket = net.connect({ port: device.port, host: device.host });
        socket.on("error", () => undefined); // a reset is one of the allowed outcomes
        const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
        await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
        socket.resume(); // discard whatever it answers
        for (const chunk of chunks) socket.write(chunk);
        socket.end();
        // Once it has read everything we sent it hangs up: the garbage has been processed.
        await within(closed, 2_000, "the device ending a garbage connection");
        await answersConnect();
      }),
      { numRuns: 60 },
    );
    await waitFor(() => device.connectionCount === 0, 2_000, "every garbage connection released");
  });

  test("random UDP datagrams: dropped or answered, and the device keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(udpDatagramArb, { minLength: 1, maxLength: 8 }), async (datagrams) => {
        const client = await RawUdpClient.open(device.port);
        try {
          for (const d of datagrams) client.writeRaw(d);
          // A CONNECT behind the garbage is answered, after the garbage was answered or dropped
          // (well-formed garbage may carry the same reply id: its answers are skipped).
          const connect = { command: Command.CONNECT, sessionId: 0, replyId: 0, data: Buffer.alloc(0) };
          const reply = await answer(client, connect, (r) => r.command === Reply.ACK_OK);
          expect(reply.sessionId).toBeGreaterThan(0);
        } finally {
          await client.close();
        }
        await answersConnect();
      }),
      { numRuns: 60 },
    );
  });

  test.each(["tcp", "udp"] as const)(
    "every well-formed %s request with a random command and payload gets an answer",
    async (transport) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              command: commandArb.filter((c) => !UNANSWERED.has(c)),
              data: dataArb,
            }),
            { minLength: 1, maxLength: 12 },
          ),
          async (requests) => {
            const client =
              transport === "tcp"
                ? await RawTcpClient.open(device.port)
                : await RawUdpClient.open(device.port);
            try {
              await within(client.connect(), 2_000, "CONNECT");
              for (const [i, r] of requests.entries()) {
                const replyId = 100 + i;
                const reply = await answer(client, { ...r, sessionId: client.sessionId, replyId });
                expect(reply.replyId).toBe(replyId);
              }
            } finally {
              await client.close();
            }
          },
        ),
        { numRuns: 60 },
      );
      await answersConnect();
    },
  );

  test.each([
    ["2 GB", 0x8000_0000],
    ["4 GB - 1", 0xffff_ffff],
    ["one byte over the limit", MAX_FRAME_LENGTH + 1],
  ])("a frame declaring %s gets the connection closed, not a buffer that size", async (_what, length) => {
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 5; i++) {
      const socket = net.connect({ port: device.port, host: device.host });
      socket.on("error", () => undefined);
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      socket.write(Buffer.concat([tcpHeader(length), Buffer.alloc(64 * 1024, 0x41)]));
      // We never end our side: only the device can close this.
      await within(closed, 2_000, "the device closing the connection");
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    await waitFor(() => device.connectionCount === 0, 2_000, "the connections released");
    await answersConnect();
  });
});

// ---- the client side ----

/** What the hostile device does with one request (CONNECT is always answered properly). */
type Act =
  | { kind: "proper" }
  | { kind: "proper-spoiled"; cut: number; flips: [number, number][] }
  | { kind: "bytes"; bytes: Buffer }
  | { kind: "reply"; command: number; data: Buffer; flips?: [number, number][]; sameId: boolean }
  | { kind: "silence" }
  | { kind: "hang-up" };

const replyCommandArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(Reply.ACK_OK, Command.DATA, Command.PREPARE_DATA) },
  { weight: 1, arbitrary: fc.constantFrom(...KNOWN) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
);
const actArb: fc.Arbitrary<Act> = fc.oneof(
  // A real device's answer, so that conversations get deep (bulk reads, chunks) before going wrong.
  { weight: 8, arbitrary: fc.constant({ kind: "proper" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("proper-spoiled" as const),
      cut: fc.nat(),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("reply" as const),
      command: replyCommandArb,
      data: dataArb,
      sameId: fc.constant(true),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("reply" as const),
      command: replyCommandArb,
      data: dataArb,
      flips: flipsArb,
      sameId: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: tcpChunkArb.map((bytes) => ({ kind: "bytes" as const, bytes })) },
  { weight: 1, arbitrary: fc.constant({ kind: "silence" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "hang-up" as const }) },
);

/**
 * A tiny device that answers CONNECT correctly, then follows `acts` in turn for everything else:
 * a real answer (the simulator's session logic on `state`), a real answer cut short or with bytes
 * flipped, random bytes, a random reply, silence, or a hang-up.
 */
async function hostileDevice(
  state: DeviceState,
): Promise<{ port: number; play(acts: Act[]): void; close(): Promise<void> }> {
  let acts: Act[] = [{ kind: "silence" }];
  let turn = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const framer = new TcpFramer();
    const session = createSession();
    socket.on("data", (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        const req = decodePacket(frame);
        const reply = (command: number, data: Buffer, replyId = req.replyId) =>
          encodeTcpFrame({ command, sessionId: session.id, replyId, data });
        const proper = () =>
          Buffer.concat(handleRequest(state, session, req, { transport: "tcp" }).replies.map(encodeTcpFrame));
        if (req.command === Command.CONNECT) {
          socket.write(proper());
          continue;
        }
        if (req.command === Reply.ACK_OK) continue; // the client acknowledging an event
        const act = acts[turn++ % acts.length]!;
        if (act.kind === "proper") socket.write(proper());
        else if (act.kind === "proper-spoiled") {
          const bytes = proper();
          socket.write(flip(bytes.subarray(0, act.cut % (bytes.length + 1)), act.flips));
        } else if (act.kind === "bytes") socket.write(act.bytes);
        else if (act.kind === "hang-up") socket.destroy();
        else if (act.kind === "reply") {
          const frame = reply(act.command, act.data, act.sameId ? req.replyId : (req.replyId + 1) & 0xffff);
          socket.write(act.flips ? flip(frame, act.flips) : frame);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    play(next) {
      acts = next;
      turn = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const OPS = {
  getTime: (c: ZkClient) => c.getTime(),
  setTime: (c: ZkClient) => c.setTime("2030-01-02T03:04:05"),
  getInfo: (c: ZkClient) => c.getInfo(),
  getSizes: (c: ZkClient) => c.getSizes(),
  getUsers: (c: ZkClient) => c.getUsers(),
  getAttendance: (c: ZkClient) => c.getAttendance(),
  deleteUser: (c: ZkClient) => c.deleteUser(7),
  getOption: (c: ZkClient) => c.getOption("~SerialNumber"),
  startLive: (c: ZkClient) => c.startLive(),
} as const;

describe("ZkClient against a device that answers garbage", () => {
  let evil: Awaited<ReturnType<typeof hostileDevice>>;
  let model: DeviceServer;
  beforeAll(async () => {
    // Its data only: 20 users (1,444 bytes) and 80 punches (3,204 bytes) take the READ_BUFFER path.
    model = await startDevice({ seed: 72, users: 20, records: 80, preload: true });
    evil = await hostileDevice(model.state);
  });
  afterAll(async () => {
    await evil.close();
    await model.close();
  });

  test("connect and every operation resolve or fail with a ZkError naming the device; none hangs", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(OPS) as (keyof typeof OPS)[])),
        // Some requests answered properly first, so that every step of an operation gets its turn.
        fc.nat(10),
        fc.array(actArb, { minLength: 1, maxLength: 6 }),
        async (op, properFirst, acts) => {
          evil.play([...Array.from({ length: properFirst }, () => ({ kind: "proper" as const })), ...acts]);
          const client = new ZkClient({
            host: "127.0.0.1",
            port: evil.port,
            timeoutMs: 100,
            chunkRetries: 1,
            reconnects: 1,
          });
          client.on("warning", () => undefined);
          try {
            // Connecting may fail too (a timeout on a loaded machine): typed like the rest.
            const outcome = await within(
              client
                .connect()
                .then((): Promise<unknown> => OPS[op](client))
                .then(
                  () => undefined,
                  (err: unknown) => err,
                ),
              5_000,
              op,
            );
            if (outcome !== undefined) {
              expect(outcome).toBeInstanceOf(ZkError);
              expect((outcome as ZkError).device).toBe(`127.0.0.1:${evil.port}`);
            }
          } finally {
            await within(client.disconnect(), 2_000, "disconnect");
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a descriptor announcing 4 GB is refused as a protocol error, not allocated", async () => {
    // GET_FREE_SIZES and DISABLE_DEVICE answered properly, then PREPARE_BUFFER gets the lie.
    const lie = {
      kind: "reply" as const,
      command: Reply.ACK_OK,
      data: encodeBufferDescriptor(0xffff_fff0),
      sameId: true,
    };
    evil.play([{ kind: "proper" }, { kind: "proper" }, lie, { kind: "proper" }]);
    const client = new ZkClient({ host: "127.0.0.1", port: evil.port, timeoutMs: 1_000 });
    const before = process.memoryUsage().arrayBuffers;
    try {
      await client.connect();
      const err = await within(
        client.getAttendance().then(
          () => undefined,
          (e: unknown) => e,
        ),
        5_000,
        "getAttendance",
      );
      expect(err).toBeInstanceOf(ZkError);
      expect((err as ZkError).kind).toBe("protocol");
      expect((err as ZkError).command).toBe("CMD_PREPARE_BUFFER");
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await client.disconnect();
    }
  });
});
