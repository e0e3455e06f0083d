import {
  Command,
  EventFlag,
  Fct,
  READ_CHUNK,
  Reply,
  decodeAttLogEvent,
  encodePrepareBuffer,
  encodeReadBuffer,
  encodeTcpFrame,
  makeCommKey,
} from "../../src/protocol/index.js";
import { startDevice, type DeviceServer } from "../../src/simulator/index.js";
import { RawTcpClient, RawUdpClient } from "./raw-client.js";

let device: DeviceServer;
beforeAll(async () => {
  device = await startDevice({ seed: 21, users: 120, records: 5_000 });
});
afterAll(() => device.close());

describe("TCP", () => {
  test("users and attendance read with PREPARE_BUFFER/READ_BUFFER equal the device's buffers", async () => {
    const client = await RawTcpClient.open(device.port);
    try {
      expect((await client.connect()).command).toBe(Reply.ACK_OK);
      expect(client.sessionId).toBeGreaterThan(0);
      const users = await client.readBuffer(Command.USERTEMP_RRQ, Fct.USER);
      expect(users.equals(device.state.userBuffer())).toBe(true);
      // Small chunks too, so that several READ_BUFFER round trips happen on one connection.
      const records = await client.readBuffer(Command.ATTLOG_RRQ, 0, 50_000);
      expect(records.equals(device.state.attendanceBuffer())).toBe(true);
      expect((await client.request(Command.EXIT)).command).toBe(Reply.ACK_OK);
    } finally {
      await client.close();
    }
  });

  test("each TCP connection is its own session", async () => {
    const [a, b] = await Promise.all([RawTcpClient.open(device.port), RawTcpClient.open(device.port)]);
    try {
      await Promise.all([a.connect(), b.connect()]);
      expect(a.sessionId).not.toBe(b.sessionId);
      // b's session id on a's connection is not a's session.
      const wrong = await a.request(Command.GET_VERSION, undefined, { sessionId: b.sessionId, replyId: 5 });
      expect(wrong).toMatchObject({ command: Reply.ACK_UNAUTH, replyId: 5 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("frames split byte by byte, and several frames in one write, are both understood", async () => {
    const client = await RawTcpClient.open(device.port);
    try {
      await client.connect();
      const frames = Buffer.concat(
        [Command.GET_VERSION, Command.GET_TIME, Command.GET_FREE_SIZES].map((command, i) =>
          encodeTcpFrame({ command, sessionId: client.sessionId, replyId: 10 + i, data: Buffer.alloc(0) }),
        ),
      );
      for (let i = 0; i < 16; i++) client.writeRaw(frames.subarray(i, i + 1));
      client.writeRaw(frames.subarray(16));
      const replies = [await client.next(), await client.next(), await client.next()];
      expect(replies.map((r) => r.replyId)).toEqual([10, 11, 12]);
      expect(replies.map((r) => r.data.length)).toEqual([21, 4, 92]);
    } finally {
      await client.close();
    }
  });

  test("a packet with a bad checksum is dropped silently; the next one is answered", async () => {
    const client = await RawTcpClient.open(device.port);
    try {
      await client.connect();
      const bad = encodeTcpFrame({
        command: Command.GET_VERSION,
        sessionId: client.sessionId,
        replyId: 40,
        data: Buffer.alloc(0),
      });
      bad.writeUInt8(bad[10]! ^ 0xff, 10);
      client.writeRaw(bad);
      const reply = await client.request(Command.GET_TIME, undefined, { replyId: 41 });
      expect(reply.replyId).toBe(41);
    } finally {
      await client.close();
    }
  });

  test("a malformed frame closes that connection only; the device keeps serving", async () => {
    const client = await RawTcpClient.open(device.port);
    client.writeRaw(Buffer.from("GET / HTTP/1.1\r\n\r\n"));
    await client.closed;
    const other = await RawTcpClient.open(device.port);
    expect((await other.connect()).command).toBe(Reply.ACK_OK);
    await other.close();
  });

  test("live punches reach sessions that registered EF_ATTLOG; their ACKs are taken silently", async () => {
    const listener = await RawTcpClient.open(device.port);
    const bystander = await RawTcpClient.open(device.port);
    try {
      await Promise.all([listener.connect(), bystander.connect()]);
      const reg = Buffer.alloc(4);
      reg.writeUInt32LE(EventFlag.ATTLOG, 0);
      expect((await listener.request(Command.REG_EVENT, reg)).command).toBe(Reply.ACK_OK);
      const record = device.punch({ userId: "1005", punch: 0, verify: 1 });
      const event = await listener.nextEvent();
      expect(event).toMatchObject({ command: Command.REG_EVENT, sessionId: EventFlag.ATTLOG, replyId: 0 });
      expect(decodeAttLogEvent(event.data)).toEqual([
        { userId: "1005", verify: 1, punch: 0, timestamp: record.timestamp },
      ]);
      listener.send(Reply.ACK_OK, undefined, { replyId: 0 });
      // The ACK got no answer: the next reply is the one for GET_TIME.
      expect((await listener.request(Command.GET_TIME, undefined, { replyId: 77 })).replyId).toBe(77);
      expect((await bystander.request(Command.GET_TIME, undefined, { replyId: 78 })).replyId).toBe(78);
      expect(bystander.events).toEqual([]);
    } finally {
      await Promise.all([listener.close(), bystander.close()]);
    }
  });

  test("RESTART is acknowledged, then every session ends; the device comes back", async () => {
    const client = await RawTcpClient.open(device.port);
    const other = await RawTcpClient.open(device.port);
    await Promise.all([client.connect(), other.connect()]);
    expect((await client.request(Command.RESTART)).command).toBe(Reply.ACK_OK);
    await Promise.all([client.closed, other.closed]);
    const again = await RawTcpClient.open(device.port);
    expect((await again.connect()).command).toBe(Reply.ACK_OK);
    await again.close();
  });
});

describe("UDP", () => {
  test("replies go to the sender; bulk reads use 1024-byte fragments and reassemble exactly", async () => {
    const client = await RawUdpClient.open(device.port);
    try {
      expect((await client.connect()).command).toBe(Reply.ACK_OK);
      const records = await client.readBuffer(Command.ATTLOG_RRQ, 0, READ_CHUNK.udp);
      expect(records.equals(device.state.attendanceBuffer())).toBe(true);
    } finally {
      await client.close();
    }
  });

  test("UDP sessions are keyed by address and port; unknown senders are ACK_UNAUTH", async () => {
    const [a, b] = await Promise.all([RawUdpClient.open(device.port), RawUdpClient.open(device.port)]);
    try {
      await a.connect();
      expect((await a.request(Command.GET_VERSION)).command).toBe(Reply.ACK_OK);
      b.sessionId = a.sessionId; // same id from another port is not the session
      expect((await b.request(Command.GET_VERSION)).command).toBe(Reply.ACK_UNAUTH);
      expect((await a.request(Command.EXIT)).command).toBe(Reply.ACK_OK);
      expect((await a.request(Command.GET_VERSION)).command).toBe(Reply.ACK_UNAUTH);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test("live events go to UDP sessions too", async () => {
    const client = await RawUdpClient.open(device.port);
    try {
      await client.connect();
      await client.request(Command.REG_EVENT, Buffer.from([1, 0, 0, 0]));
      device.punch({ userId: "1001" });
      const event = await client.nextEvent();
      expect(decodeAttLogEvent(event.data)[0]?.userId).toBe("1001");
    } finally {
      await client.close();
    }
  });
});

test("comm key over TCP: CONNECT -> ACK_UNAUTH, AUTH -> ACK_OK", async () => {
  const locked = await startDevice({ users: 3, records: 3, commKey: 4242 });
  const client = await RawTcpClient.open(locked.port);
  try {
    expect((await client.connect()).command).toBe(Reply.ACK_UNAUTH);
    expect((await client.request(Command.GET_FREE_SIZES)).command).toBe(Reply.ACK_UNAUTH);
    expect((await client.request(Command.AUTH, makeCommKey(4242, client.sessionId))).command).toBe(
      Reply.ACK_OK,
    );
    expect((await client.request(Command.GET_FREE_SIZES)).command).toBe(Reply.ACK_OK);
  } finally {
    await client.close();
    await locked.close();
  }
});

test("a client that reads slowly still gets every reply, in order (backpressure, no loss)", async () => {
  const client = await RawTcpClient.open(device.port);
  try {
    await client.connect();
    await client.request(Command.PREPARE_BUFFER, encodePrepareBuffer(Command.ATTLOG_RRQ, 0));
    // 60 chunk requests at once (about 12 MB of replies) while the client does not read.
    client.socket.pause();
    const size = device.state.attendanceBuffer().length;
    for (let i = 0; i < 60; i++)
      client.send(Command.READ_BUFFER, encodeReadBuffer(0, size), { replyId: 1000 + i });
    await new Promise<void>((resolve) => client.socket.write(Buffer.alloc(0), () => resolve()));
    client.socket.resume();
    for (let i = 0; i < 60; i++) {
      const prepare = await client.next();
      expect(prepare).toMatchObject({ command: Command.PREPARE_DATA, replyId: 1000 + i });
      let got = 0;
      while (got < size) got += (await client.next()).data.length;
      expect(got).toBe(size);
      expect((await client.next()).command).toBe(Reply.ACK_OK);
    }
  } finally {
    await client.close();
  }
}, 20_000);
