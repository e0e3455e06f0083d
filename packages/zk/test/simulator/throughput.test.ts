import {
  Command,
  READ_CHUNK,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpFrame,
} from "../../src/protocol/index.js";
import { createSession, handleRequest, startDevice, type DeviceServer } from "../../src/simulator/index.js";
import { RawTcpClient } from "./raw-client.js";

// A full modern device: 200,000 40-byte records, 8 MB per pull.
let device: DeviceServer;
beforeAll(async () => {
  device = await startDevice({ users: 1000, records: 200_000, seed: 7 });
  device.state.load();
}, 60_000);
afterAll(() => device.close());

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test("serving the 8 MB log (handler + TCP framing) takes well under 100 ms", () => {
  const state = device.state;
  const session = createSession();
  const opts = { transport: "tcp" as const };
  const req = (command: number, data: Buffer = Buffer.alloc(0)) => ({
    command,
    sessionId: session.id,
    replyId: 1,
    data,
  });
  handleRequest(state, session, req(Command.CONNECT), opts);
  const size = state.attendanceBuffer().length;
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    handleRequest(
      state,
      session,
      req(Command.PREPARE_BUFFER, encodePrepareBuffer(Command.ATTLOG_RRQ, 0)),
      opts,
    );
    let wire = 0;
    for (let start = 0; start < size; start += READ_CHUNK.tcp) {
      const length = Math.min(READ_CHUNK.tcp, size - start);
      const out = handleRequest(
        state,
        session,
        req(Command.READ_BUFFER, encodeReadBuffer(start, length)),
        opts,
      );
      wire += Buffer.concat(out.replies.map(encodeTcpFrame)).length;
    }
    times.push(performance.now() - t0);
    expect(wire).toBeGreaterThan(size);
  }
  // Typically 15-30 ms; the bound is loose so that a slow CI machine does not flap.
  expect(median(times)).toBeLessThan(100);
});

test("a raw client pulls all 200,000 records over TCP loopback, byte-exact", async () => {
  const client = await RawTcpClient.open(device.port);
  try {
    await client.connect();
    const times: number[] = [];
    for (let run = 0; run < 3; run++) {
      const t0 = performance.now();
      const buffer = await client.readBuffer(Command.ATTLOG_RRQ, 0);
      times.push(performance.now() - t0);
      expect(buffer.equals(device.state.attendanceBuffer())).toBe(true);
    }
    expect(median(times)).toBeLessThan(1000);
  } finally {
    await client.close();
  }
}, 30_000);
